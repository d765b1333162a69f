// Worker thread hosting one LightGroup (or, with `kind: 'replicas'`, one ReplicaGroup): runs the methods the main
// thread's WorkerLights posts, in order, and answers each; close() hands the histogram bins over without copying them.
import { parentPort, workerData } from 'node:worker_threads'
import { LightGroup } from './lights.mjs'
import { ReplicaGroup } from './replicas.mjs'

const group = workerData.kind === 'replicas' ? new ReplicaGroup(workerData) : new LightGroup(workerData)
// The SignalR client throws from a socket callback when the server cancels a handshake it is still waiting on;
// one client's failure is recorded (its connect fails and is counted) instead of ending every client of the thread.
process.on('uncaughtException', error => { group.acks.lastError = `uncaught: ${error?.message ?? error}` })
parentPort.on('message', async ({ id, method, args }) => {
  try {
    const result = await group[method](...args)
    const transfer = method === 'close' ? [result.latencyBins.buffer, result.ackLatencyBins.buffer] : []
    parentPort.postMessage({ id, result }, transfer)
  } catch (error) {
    parentPort.postMessage({ id, error: String(error?.stack ?? error) })
  }
})
