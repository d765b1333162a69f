// A project's dashboard: the delivery metrics the server computes (GET /api/projects/{id}/metrics) as numbers and
// Apache ECharts charts. Its own chunk (ECharts is large). The metrics are fetched again shortly after the board
// changes, so the dashboard follows the work live.
import { useQuery } from '@tanstack/react-query'
import { BarChart, PieChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import * as echarts from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import { formatNumber } from '../../i18n'
import type { AppContext } from '../context'
import { projectErrorText, projectMetrics, type ProjectMetrics } from './actions'
import type { BoardSnapshot } from './board'

echarts.use([BarChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer])

type ChartOption = Parameters<echarts.ECharts['setOption']>[0]

export default function Dashboard({ context, projectId, snapshot }: { context: AppContext; projectId: string; snapshot: BoardSnapshot }) {
  const { t } = useTranslation()
  const metrics = useQuery({ queryKey: ['project-metrics', context.user.username, projectId], queryFn: () => projectMetrics(context.api, projectId) })
  const { refetch } = metrics
  const first = useRef(true)
  useEffect(() => {
    if (first.current) {
      first.current = false
      return
    }
    const timer = setTimeout(() => void refetch(), 300)
    return () => clearTimeout(timer)
  }, [snapshot, refetch])
  if (metrics.isError) return <p className="error">{projectErrorText(metrics.error)}</p>
  if (!metrics.data) return <p className="muted">{t('app.loading')}</p>
  const m = metrics.data
  const percent = (value: number | null) => (value === null ? '—' : formatNumber(value, { style: 'percent', maximumFractionDigits: 1 }))
  const days = (value: number | null) => (value === null ? '—' : t('projects.metrics.days', { n: formatNumber(value, { maximumFractionDigits: 1 }) }))
  const number = (value: number | null) => (value === null ? '—' : formatNumber(value, { maximumFractionDigits: 2 }))
  const tiles: [string, string][] = [
    ['delivered', `${m.delivered} / ${m.items}`],
    ['onTimeRate', percent(m.onTimeRate)],
    ['delayRate', percent(m.delayRate)],
    ['averageDelay', days(m.averageDelayDays)],
    ['overdueNow', String(m.overdueNow)],
    ['reschedules', String(m.reschedules)],
    ['cycleTime', days(m.cycleTimeDays)],
    ['leadTime', days(m.leadTimeDays)],
    ['defectsPerDelivered', number(m.defectsPerDelivered)],
    ['rollBacks', String(m.rollBacks)],
  ]
  return (
    <div className="dashboard" data-testid="dashboard">
      <p className="muted small">{t('projects.metrics.asOf', { day: m.today, zone: m.timeZone })}</p>
      <dl className="tiles">
        {tiles.map(([key, value]) => (
          <div key={key} className="tile" data-testid={`metric-${key}`}>
            <dt>{t(`projects.metrics.${key}`)}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <div className="charts">
        <Chart title={t('projects.metrics.throughput')} testId="chart-throughput" option={throughputOption(m, t('projects.metrics.deliveredSeries'))} />
        <Chart title={t('projects.metrics.workload')} testId="chart-workload" option={workloadOption(m, t('projects.metrics.openItems'), t('projects.metrics.openNodes'), t('projects.metrics.estimateHours'))} />
        <Chart title={t('projects.metrics.delivery')} testId="chart-delivery" option={deliveryOption(m, t('projects.metrics.onTime'), t('projects.metrics.late'))} />
        <Chart title={t('projects.metrics.times')} testId="chart-times" option={timesOption(m, t('projects.metrics.cycleTime'), t('projects.metrics.leadTime'))} />
      </div>
    </div>
  )
}

function Chart({ title, option, testId }: { title: string; option: ChartOption; testId: string }) {
  const element = useRef<HTMLDivElement>(null)
  const chart = useRef<echarts.ECharts | null>(null)
  useEffect(() => {
    if (!element.current) return
    const instance = echarts.init(element.current, document.documentElement.dataset.theme === 'dark' ? 'dark' : undefined)
    chart.current = instance
    const resize = () => instance.resize()
    window.addEventListener('resize', resize)
    return () => {
      window.removeEventListener('resize', resize)
      instance.dispose()
      chart.current = null
    }
  }, [])
  useEffect(() => { chart.current?.setOption(option, true) }, [option])
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <div ref={element} className="chart-canvas" role="img" aria-label={title} />
    </figure>
  )
}

function throughputOption(m: ProjectMetrics, series: string): ChartOption {
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 32, right: 12, top: 16, bottom: 28 },
    xAxis: { type: 'category', data: m.throughput.map(w => w.week.slice(5)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ name: series, type: 'bar', data: m.throughput.map(w => w.delivered) }],
  }
}

function workloadOption(m: ProjectMetrics, items: string, nodes: string, hours: string): ChartOption {
  const people = m.workload.map(w => w.username)
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 80, right: 12, top: 28, bottom: 20 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: people },
    series: [
      { name: items, type: 'bar', data: m.workload.map(w => w.openItems) },
      { name: nodes, type: 'bar', data: m.workload.map(w => w.openNodes) },
      { name: hours, type: 'bar', data: m.workload.map(w => w.estimateHours) },
    ],
  }
}

function deliveryOption(m: ProjectMetrics, onTime: string, late: string): ChartOption {
  return {
    tooltip: { trigger: 'item' },
    legend: { bottom: 0 },
    series: [{
      type: 'pie', radius: ['40%', '70%'],
      data: [{ name: onTime, value: m.onTimeRate ?? 0 }, { name: late, value: m.delayRate ?? 0 }],
    }],
  }
}

function timesOption(m: ProjectMetrics, cycle: string, lead: string): ChartOption {
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 40, right: 12, top: 16, bottom: 28 },
    xAxis: { type: 'category', data: [cycle, lead] },
    yAxis: { type: 'value' },
    series: [{ type: 'bar', data: [m.cycleTimeDays ?? 0, m.leadTimeDays ?? 0] }],
  }
}
