// The reports view: today against yesterday, today by the local hour and by agent, each a chart with
// its figures as a table beside it (what a screen reader reads, and what the end-to-end test checks).
//
// Charts are Chart.js (pinned in package.json), tree-shaken to the bar chart's parts: a maintained,
// widely used library whose canvas charts resize with their box (the board stays usable on a phone)
// and update in place without animation when the live figures move. uPlot is smaller but is a
// time-series plot: category bars (agents, today vs yesterday) would need its plugins or our own code.
import { BarController, BarElement, CategoryScale, Chart, type ChartConfiguration, Legend, LinearScale, Tooltip } from 'chart.js';
import { h, replace } from '../dom.js';
import { Disposer, type Panel } from '../store.js';
import type { BoardReport, ReportsController, ReportsState } from './reports.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const COLORS = { offered: '#5b6b8c', answered: '#2e9d5b', abandoned: '#d0493f', missed: '#e39b2d' };

type Figures = BoardReport['today']['totals'];

export const percent = (x: number | null | undefined) => (x == null ? '—' : `${Math.round(x * 100)}%`);

/** The hour rows' axis labels: "14:00", with the UTC offset where an hour repeats (a fall-back day's 01:00). */
export function hourLabels(rows: BoardReport['today']['rows']): string[] {
  const short = rows.map((r) => r.label.slice(11, 16));
  return short.map((s, i) => (short.indexOf(s) !== short.lastIndexOf(s) ? `${s} ${rows[i]!.label.slice(17)}` : s));
}

/** The rows the view shows: today vs yesterday, per hour, per agent (the no-agent row is not an agent). */
export function reportTables(report: BoardReport): {
  days: { label: string; offered: number; answered: number; abandoned: number; serviceLevel: string }[];
  hours: { label: string; offered: number; answered: number; abandoned: number }[];
  agents: { label: string; answered: number; missed: number }[];
} {
  const day = (label: string, f: Figures) => ({
    label,
    offered: f.offered,
    answered: f.answered,
    abandoned: f.abandoned,
    serviceLevel: percent(f.serviceLevel),
  });
  const labels = hourLabels(report.today.rows);
  return {
    days: [day('Yesterday', report.yesterday.totals), day('Today', report.today.totals)],
    hours: report.today.rows.map((r, i) => ({
      label: labels[i]!,
      offered: r.figures.offered,
      answered: r.figures.answered,
      abandoned: r.figures.abandoned,
    })),
    agents: report.agents.rows
      .filter((r) => r.key !== '')
      .map((r) => ({ label: r.label, answered: r.figures.answered, missed: r.figures.missedOffers ?? 0 })),
  };
}

function table(caption: string, columns: string[], rows: (string | number)[][]): HTMLTableElement {
  return h(
    'table',
    { class: 'report-table' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...columns.map((c, i) => h('th', { scope: 'col', class: i === 0 ? '' : 'num' }, c)))),
    h(
      'tbody',
      {},
      ...rows.map((r) => h('tr', {}, ...r.map((v, i) => (i === 0 ? h('th', { scope: 'row' }, v) : h('td', { class: 'num' }, v))))),
    ),
  );
}

/** One chart card: a title, the canvas in a box that sets its height, and the table in a disclosure. */
function chartCard(id: string, title: string, config: ChartConfiguration<'bar'>) {
  const canvas = h('canvas', { role: 'img', 'aria-label': title });
  const tableBox = h('div', { class: 'report-table-box' });
  const element = h(
    'section',
    { class: 'card report-card', id, 'aria-label': title },
    h('div', { class: 'card-head' }, h('h2', {}, title)),
    h('div', { class: 'chart-box' }, canvas),
    h('details', { class: 'report-details' }, h('summary', {}, 'Figures as a table'), tableBox),
  );
  const chart = new Chart(canvas, config);
  return { element, chart, tableBox };
}

const barConfig = (horizontal: boolean, datasets: { label: string; color: string }[]): ChartConfiguration<'bar'> => ({
  type: 'bar',
  data: { labels: [], datasets: datasets.map((d) => ({ label: d.label, data: [], backgroundColor: d.color, borderRadius: 3 })) },
  options: {
    // Live updates redraw in place: no animation to replay on every call.
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    indexAxis: horizontal ? 'y' : 'x',
    scales: {
      x: { beginAtZero: true, ticks: { precision: 0 } },
      y: { beginAtZero: true, ticks: { precision: 0 } },
    },
    plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
  },
});

function setData(chart: Chart<'bar'>, labels: string[], series: number[][]): void {
  chart.data.labels = labels;
  series.forEach((data, i) => {
    chart.data.datasets[i]!.data = data;
  });
  chart.update('none');
  // What the chart plots, readable from the page (the end-to-end test compares it with the table).
  chart.canvas.dataset.values = JSON.stringify({ labels, series });
}

/** The reports view, hidden until opened; charts follow the controller's report as it is refetched. */
export function reportsPanel(c: ReportsController): Panel {
  const d = new Disposer();
  const status = h('span', { class: 'muted', id: 'reports-status', 'aria-live': 'polite' });
  const levels = h('div', { class: 'stats report-levels', id: 'report-levels' });
  const days = chartCard(
    'report-days',
    'Today vs yesterday',
    // One bar series per day, grouped by figure.
    barConfig(false, [
      { label: 'Yesterday', color: '#aab4c8' },
      { label: 'Today', color: COLORS.offered },
    ]),
  );
  const hours = chartCard(
    'report-hours',
    'Today by hour',
    barConfig(false, [
      { label: 'Offered', color: COLORS.offered },
      { label: 'Answered', color: COLORS.answered },
      { label: 'Abandoned', color: COLORS.abandoned },
    ]),
  );
  const agents = chartCard(
    'report-agents',
    'Today by agent',
    barConfig(true, [
      { label: 'Answered', color: COLORS.answered },
      { label: 'Missed offers', color: COLORS.missed },
    ]),
  );
  const element = h(
    'main',
    { class: 'reports', id: 'reports-view', hidden: true },
    h('div', { class: 'reports-head' }, h('h1', {}, 'Reports'), status),
    levels,
    days.element,
    agents.element,
    hours.element,
  );

  const render = (s: ReportsState) => {
    element.hidden = !s.active;
    status.textContent = s.error
      ? s.error
      : s.fetchedAt === null
        ? 'Loading…'
        : `Today so far, updated ${new Date(s.fetchedAt).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })}${s.loading ? ' · updating…' : ''}`;
    status.classList.toggle('error', Boolean(s.error));
    if (!s.report) return;
    const t = reportTables(s.report);
    const [yesterday, today] = t.days;
    replace(
      levels,
      ...[
        ['sl-today', 'Service level today', today!.serviceLevel],
        ['sl-yesterday', 'Service level yesterday', yesterday!.serviceLevel],
        ['answered-today', 'Answered today', String(today!.answered)],
        ['abandoned-today', 'Abandoned today', String(today!.abandoned)],
      ].map(([key, label, value]) =>
        h(
          'div',
          { class: 'tile', 'data-report': key },
          h('span', { class: 'tile-value' }, value),
          h('span', { class: 'tile-label' }, label),
        ),
      ),
    );
    setData(
      days.chart,
      ['Offered', 'Answered', 'Abandoned'],
      [
        [yesterday!.offered, yesterday!.answered, yesterday!.abandoned],
        [today!.offered, today!.answered, today!.abandoned],
      ],
    );
    replace(
      days.tableBox,
      table(
        'Today vs yesterday',
        ['Day', 'Offered', 'Answered', 'Abandoned', 'Service level'],
        t.days.map((r) => [r.label, r.offered, r.answered, r.abandoned, r.serviceLevel]),
      ),
    );
    setData(
      hours.chart,
      t.hours.map((r) => r.label),
      [t.hours.map((r) => r.offered), t.hours.map((r) => r.answered), t.hours.map((r) => r.abandoned)],
    );
    replace(
      hours.tableBox,
      table(
        'Today by hour',
        ['Hour', 'Offered', 'Answered', 'Abandoned'],
        t.hours.map((r) => [r.label, r.offered, r.answered, r.abandoned]),
      ),
    );
    // A bar per agent: the chart grows with the team so names stay readable.
    agents.element.querySelector<HTMLElement>('.chart-box')!.style.height = `${Math.max(160, 60 + t.agents.length * 34)}px`;
    setData(
      agents.chart,
      t.agents.map((r) => r.label),
      [t.agents.map((r) => r.answered), t.agents.map((r) => r.missed)],
    );
    replace(
      agents.tableBox,
      table(
        'Today by agent',
        ['Agent', 'Answered', 'Missed offers'],
        t.agents.map((r) => [r.label, r.answered, r.missed]),
      ),
    );
  };
  d.add(c.store.subscribe(render));
  d.add(() => {
    for (const card of [days, hours, agents]) card.chart.destroy();
  });
  return { element, dispose: () => d.dispose() };
}
