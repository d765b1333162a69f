// A group of light clients hosted by one thread: the main thread (--workers 1) or one worker thread each. The main
// thread drives every group through the same calls; `WorkerLights` forwards them to a worker running
// lights-worker.mjs. Send times, receipt counts and ack counts go to the shared Registry; each group keeps its own
// latency histograms and event-loop delay, handed back (bins transferred) when it closes.
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import { AckStats, LightClient, Registry, now } from './clients.mjs'
import { createTransport } from './transports.mjs'

const LOOP_DELAY_RESOLUTION_MS = 5

/** An event-loop delay monitor sampling every LOOP_DELAY_RESOLUTION_MS (enable() it to start). */
export function loopDelayMonitor() {
  return monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS })
}

/**
 * p99 of how late the monitor's timer fired, in ms, or null if it never ran. Node records the whole interval
 * between samples (an idle loop reads ~5.1 ms at resolution 5), so the sampling interval is taken off.
 */
export function loopDelayP99Ms(monitor) {
  if (monitor.count === 0) return null
  return Number(Math.max(0, monitor.percentile(99) / 1e6 - LOOP_DELAY_RESOLUTION_MS).toFixed(1))
}

export class LightGroup {
  /**
   * `registry`: the shared Registry's buffers; `transport`: createTransport's description; `members`: the
   * `{ client, slot }` this group hosts; `slotCount`: every client's slot, for the typing phase of each.
   */
  constructor({ registry, transport, members, slotCount, withAwareness }) {
    this.registry = registry instanceof Registry ? registry : new Registry(registry)
    this.acks = new AckStats(this.registry)
    this.slotCount = slotCount
    this.lights = members.map(({ client, slot }) => {
      const light = new LightClient(createTransport(transport), client, this.registry, this.acks, withAwareness)
      light.slot = slot
      return light
    })
    this.timers = []
    this.loopDelay = loopDelayMonitor()
  }

  async connect(batch) {
    for (let i = 0; i < this.lights.length; i += batch) {
      await Promise.all(this.lights.slice(i, i + batch).map(light => light.transport.connect()))
    }
  }

  /** Every client types every `periodMs`, its first edit at `startAt + slot / slotCount · periodMs` (clock `now`). */
  startTyping(startAt, periodMs) {
    for (const light of this.lights) {
      const first = startAt + (light.slot / this.slotCount) * periodMs
      this.timers.push(setTimeout(() => {
        light.type()
        this.timers.push(setInterval(() => light.type(), periodMs))
      }, Math.max(0, first - now())))
    }
  }

  stopTyping() {
    for (const timer of this.timers) clearTimeout(timer) // clears intervals too
    this.timers = []
  }

  startLoopDelay() { this.loopDelay.enable() }

  stopLoopDelay() { this.loopDelay.disable() }

  /** Closes every connection and returns this group's figures. */
  async close() {
    await Promise.all(this.lights.map(light => light.transport.close().catch(() => {})))
    return {
      latencyBins: this.registry.latency.bins,
      ackLatencyBins: this.acks.latency.bins,
      lastError: this.acks.lastError,
      rejected: this.lights.reduce((n, light) => n + light.transport.rejected, 0),
      disconnects: this.lights.reduce((n, light) => n + light.transport.disconnects, 0),
      loopDelayP99Ms: loopDelayP99Ms(this.loopDelay),
    }
  }
}

/** The same calls as LightGroup (or ReplicaGroup, `options.kind === 'replicas'`), answered by a worker thread that hosts the group. */
export class WorkerLights {
  constructor(options) {
    this.worker = new Worker(new URL('./lights-worker.mjs', import.meta.url), { workerData: options })
    this.pending = new Map()
    this.nextId = 0
    this.failure = null
    this.worker.on('message', ({ id, result, error }) => {
      const call = this.pending.get(id)
      this.pending.delete(id)
      if (error) call.reject(new Error(error))
      else call.resolve(result)
    })
    const fail = error => {
      this.failure = error
      for (const call of this.pending.values()) call.reject(error)
      this.pending.clear()
    }
    this.worker.on('error', fail)
    this.worker.on('exit', code => { if (!this.closed) fail(new Error(`light-client worker exited with ${code}`)) })
  }

  call(method, ...args) {
    if (this.failure) return Promise.reject(this.failure)
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.worker.postMessage({ id, method, args })
    })
  }

  connect(batch) { return this.call('connect', batch) }
  startTyping(startAt, periodMs) { return this.call('startTyping', startAt, periodMs) }
  stopTyping() { return this.call('stopTyping') }
  startLoopDelay() { return this.call('startLoopDelay') }
  stopLoopDelay() { return this.call('stopLoopDelay') }
  states() { return this.call('states') }

  async close() {
    const result = await this.call('close')
    this.closed = true
    await this.worker.terminate()
    return result
  }
}
