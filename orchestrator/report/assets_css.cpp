// The report's stylesheet: light and dark palettes, layout, SVG styling.
#include "orchestrator/report/assets.hpp"

namespace faultline::report {

extern const char* const kReportCss = R"fl_asset(
:root {
  --bg: #f4f6f9; --card: #ffffff; --ink: #1d2430; --muted: #667085; --faint: #98a2b3;
  --line: #e4e7ec; --grid: #eef1f5; --accent: #3b5bdb;
  --ok: #2e9d5b; --ok-bg: #e3f4ea; --ok-ink: #1e6e40;
  --warn: #e59400; --warn-bg: #fff3d6; --warn-ink: #8a5a00;
  --bad: #d7263d; --bad-bg: #fde6e9; --bad-ink: #a3122a;
  --na-bg: #eef0f3; --na-ink: #5b6474;
  --fault: rgba(215, 38, 61, 0.09); --fault-edge: rgba(215, 38, 61, 0.55);
  --base: rgba(59, 91, 219, 0.06); --edge: #9aa4b2; --cursor: #3b5bdb;
  --tip-bg: rgba(22, 27, 34, 0.95);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0e1217; --card: #161b22; --ink: #e6e9ee; --muted: #9aa4b2; --faint: #6b7380;
    --line: #262d36; --grid: #1f252d; --accent: #7c95ff;
    --ok-bg: #163324; --ok-ink: #7fd8a2; --warn-bg: #3a2c0c; --warn-ink: #f3c76a;
    --bad-bg: #3d1519; --bad-ink: #ff97a3; --na-bg: #232a33; --na-ink: #a9b1bd;
    --fault: rgba(255, 92, 108, 0.13); --base: rgba(124, 149, 255, 0.08); --edge: #5d6673; --cursor: #7c95ff;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "DejaVu Sans", Arial, sans-serif;
  font-variant-numeric: tabular-nums;
}
.mono, code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
header#fl-header { background: linear-gradient(120deg, #18202c 0%, #24324a 60%, #3a2a4a 100%); color: #f3f5f8; }
.hd-inner { max-width: 1400px; margin: 0 auto; padding: 18px 24px 20px; }
.brand { display: flex; align-items: center; gap: 8px; font-weight: 600; letter-spacing: 0.04em; text-transform: lowercase; color: #c8d1de; font-size: 13px; }
.logo { width: 14px; height: 14px; border-radius: 3px; background: linear-gradient(135deg, #fdd266 0%, #f46d43 50%, #a50026 100%); display: inline-block; }
.ver { font-weight: 400; color: #8f9bb0; }
header h1 { margin: 6px 0 2px; font-size: 26px; font-weight: 650; letter-spacing: -0.01em; }
.meta { color: #aab4c4; font-size: 13px; }
main { max-width: 1400px; margin: 0 auto; padding: 4px 24px 40px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 14px; padding: 16px 20px 18px; margin: 16px 0; box-shadow: 0 1px 2px rgba(16, 24, 40, 0.05); min-width: 0; }
.card.error { border-color: var(--bad); color: var(--bad-ink); background: var(--bad-bg); }
.card-head { display: flex; align-items: center; justify-content: space-between; gap: 12px; flex-wrap: wrap; margin-bottom: 8px; }
h2 { font-size: 16px; font-weight: 650; margin: 0 0 10px; letter-spacing: -0.005em; }
.card-head h2 { margin: 0; }
h3 { font-size: 13px; font-weight: 600; margin: 14px 0 6px; color: var(--muted); }
.hint, .sub, .plot-note { color: var(--muted); font-size: 12px; }
.sub { margin: 4px 0 10px; }
.empty { color: var(--faint); font-style: italic; margin: 6px 0; }
.hero { padding: 20px 22px; }
.hero-top { display: flex; align-items: center; gap: 16px; flex-wrap: wrap; }
.headline { font-size: 19px; font-weight: 550; margin: 0; flex: 1 1 400px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin-top: 16px; }
.kpi { border: 1px solid var(--line); border-radius: 10px; padding: 8px 12px; border-left: 4px solid var(--na-bg); }
.kpi.k-ok { border-left-color: var(--ok); } .kpi.k-warn { border-left-color: var(--warn); } .kpi.k-bad { border-left-color: var(--bad); }
.kpi-k { color: var(--muted); font-size: 11.5px; text-transform: uppercase; letter-spacing: 0.05em; }
.kpi-v { font-size: 17px; font-weight: 600; margin-top: 2px; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge.big { font-size: 14px; padding: 5px 14px; letter-spacing: 0.06em; }
.b-ok { background: var(--ok-bg); color: var(--ok-ink); }
.b-bad { background: var(--bad-bg); color: var(--bad-ink); }
.b-warn { background: var(--warn-bg); color: var(--warn-ink); }
.b-na { background: var(--na-bg); color: var(--na-ink); }
.seg { display: inline-flex; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
.seg button { border: 0; background: transparent; color: var(--muted); padding: 5px 12px; font: inherit; font-size: 12.5px; cursor: pointer; }
.seg button.on { background: var(--accent); color: #fff; }
.graph-wrap { overflow-x: auto; }
svg { display: block; }
svg text { fill: var(--ink); font-family: inherit; }
.gedge .edge { fill: none; stroke: var(--edge); }
.gedge.hot .edge { stroke: var(--bad); stroke-dasharray: 7 4; }
.gedge.faulted.fault-on .edge { stroke: var(--bad); stroke-dasharray: 1 5; stroke-linecap: round; stroke-width: 4px !important; }
.arrow { fill: var(--edge); } .arrow.hot { fill: var(--bad); }
.elabel rect { fill: var(--card); stroke: var(--line); }
.elabel text { font-size: 11px; fill: var(--muted); font-weight: 600; }
.gnode { cursor: default; outline: none; }
.gnode rect { stroke: rgba(0, 0, 0, 0.18); stroke-width: 1; transition: fill 0.25s; }
.gnode:hover rect, .gnode:focus rect { stroke: var(--ink); stroke-width: 2; }
.gnode .nname { font-size: 13px; font-weight: 650; fill: var(--ink-on, #fff); }
.gnode .nsub { font-size: 11px; fill: var(--ink-on, #fff); opacity: 0.88; }
.fbadge rect { fill: var(--bad); stroke: var(--card); stroke-width: 2; }
.fbadge text { fill: #fff; font-size: 10px; font-weight: 700; }
.fbadge.off { opacity: 0.28; }
.timectl { display: flex; align-items: center; gap: 12px; margin: 10px 0 4px; flex-wrap: wrap; }
.timectl input[type=range] { flex: 1 1 300px; accent-color: var(--accent); }
.play { width: 34px; height: 34px; border-radius: 50%; border: 1px solid var(--line); background: var(--card); color: var(--accent); font-size: 13px; cursor: pointer; }
.play:hover { background: var(--accent); color: #fff; }
.tlabel { font-size: 12.5px; color: var(--muted); min-width: 260px; }
.legend, .plot-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: center; font-size: 12px; color: var(--muted); margin-top: 6px; }
.li { display: inline-flex; align-items: center; gap: 6px; }
.li.note { color: var(--faint); }
.plot-legend .li { border: 0; background: none; font: inherit; color: var(--ink); padding: 1px 2px; cursor: pointer; border-radius: 4px; }
.plot-legend .li:hover { background: var(--grid); }
.plot-legend .li.off { opacity: 0.35; text-decoration: line-through; }
.sw { width: 12px; height: 12px; border-radius: 3px; display: inline-block; border: 0 solid transparent; }
.sw.line { width: 18px; height: 0; border-top: 2.5px solid; border-radius: 0; }
.sw.line.dashed { border-top-style: dashed; }
.sw.line.hot { border-top: 2.5px dashed var(--bad); }
.sw.line.faulted { border-top: 3px dotted var(--bad); }
.ramp { width: 160px; height: 10px; border-radius: 5px; display: inline-block; }
.ramp-l { color: var(--muted); }
.fchip { background: var(--bad); color: #fff; font-size: 10px; font-weight: 700; border-radius: 8px; padding: 0 6px; }
.plots { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 540px), 1fr)); gap: 14px 22px; }
.plot { min-width: 0; }
.plot-head { display: flex; align-items: baseline; gap: 8px; }
.plot-head h3 { margin: 6px 0 0; color: var(--ink); font-size: 13.5px; }
.unit { color: var(--faint); font-size: 12px; }
.chart .axis text { fill: var(--muted); font-size: 10.5px; }
.gridline { stroke: var(--grid); }
.tick, .baseline-axis { stroke: var(--faint); }
.scale-note { fill: var(--faint) !important; font-style: italic; }
.band-baseline { fill: var(--base); }
.band-label { fill: var(--faint); font-size: 10px; }
.band-fault { fill: var(--fault); stroke: var(--fault-edge); stroke-width: 0.6; stroke-dasharray: 3 3; }
.fault-label { fill: var(--bad-ink); font-size: 10.5px; font-weight: 600; }
.phase-line { stroke: var(--faint); stroke-dasharray: 2 3; }
.line { fill: none; stroke-width: 1.9; stroke-linejoin: round; stroke-linecap: round; transition: opacity 0.15s; }
.line.dashed { stroke-dasharray: 6 3; }
.chart.dim .line { opacity: 0.18; }
.chart.dim .line.hl { opacity: 1; stroke-width: 2.8; }
.hover-dot { stroke: var(--card); stroke-width: 1.5; }
.hover-line { stroke: var(--faint); stroke-width: 1; }
.cursor { stroke: var(--cursor); stroke-width: 1.5; stroke-dasharray: 4 2; }
.overlay { fill: transparent; cursor: crosshair; }
.empty, text.empty { fill: var(--faint); }
.timeline { margin: 2px 0 8px; }
.timeline .tl-head { fill: var(--faint); font-size: 10.5px; text-transform: uppercase; letter-spacing: 0.05em; }
.phase rect { fill: var(--na-bg); stroke: var(--card); }
.phase.ph-warmup rect { fill: #e9ecf1; } .phase.ph-baseline rect { fill: #dfe6ff; }
.phase.ph-faults rect { fill: #ffd9dd; } .phase.ph-recovery rect { fill: #dcf2e4; }
.phase text { font-size: 10.5px; fill: #3d4656; }
.tl-fault rect { fill: var(--bad); opacity: 0.85; }
.tl-fault text { fill: #fff; font-size: 11px; font-weight: 600; }
.tl-fault text.outside { fill: var(--bad-ink); }
.chart, .timeline { max-width: 100%; height: auto; }
.ev path { fill: var(--faint); } .ev-breaker.to-open path { fill: #3b5bdb; } .ev-oom path, .ev-exit path { fill: var(--bad); } .ev-warning path { fill: var(--warn); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { font-weight: 600; color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: 0.05em; }
tbody tr:hover { background: var(--grid); }
tr.row-ok td:first-child { box-shadow: inset 3px 0 0 var(--ok); }
tr.row-bad td:first-child { box-shadow: inset 3px 0 0 var(--bad); }
tr.row-bad { background: color-mix(in srgb, var(--bad-bg) 45%, transparent); }
.duo { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 560px), 1fr)); gap: 0 16px; }
.tiers { display: grid; gap: 6px; }
.tier { display: flex; align-items: center; gap: 10px; }
.tier-k { width: 52px; color: var(--muted); font-size: 12px; }
.tier-v { font-weight: 600; }
.minibar .track, .minitl .track { fill: var(--grid); stroke: var(--grid); }
.minibar .fill.peak { fill: var(--na-bg); stroke: var(--faint); stroke-width: 0.5; }
.fill.t-ok { fill: var(--ok); } .fill.t-warn { fill: var(--warn); } .fill.t-bad { fill: var(--bad); } .fill.t-na { fill: var(--faint); }
.minibar .one { stroke: var(--ink); stroke-width: 1; opacity: 0.5; }
.minitl .deg { fill: var(--bad); } .minitl .eng { fill: var(--accent); }
.svc { display: inline-flex; align-items: center; gap: 7px; }
.dot { width: 10px; height: 10px; border-radius: 50%; display: inline-block; vertical-align: -1px; }
.dot.deg { background: var(--bad); } .dot.eng { background: var(--accent); }
.warn-box { background: var(--warn-bg); color: var(--warn-ink); border-radius: 8px; padding: 8px 12px; margin: 6px 0; font-size: 13px; }
details summary { cursor: pointer; color: var(--muted); margin: 4px 0 8px; }
table.events td:first-child { width: 70px; color: var(--muted); }
table.events tr.ev-fault td { color: var(--bad-ink); }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0 0 10px; }
.kv dt { color: var(--muted); } .kv dd { margin: 0; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; }
.chip { font-size: 11.5px; padding: 2px 9px; border-radius: 999px; }
.chip.on { background: var(--ok-bg); color: var(--ok-ink); } .chip.offc { background: var(--na-bg); color: var(--na-ink); text-decoration: line-through; }
.tip { position: fixed; z-index: 20; pointer-events: none; background: var(--tip-bg); color: #f1f3f6; padding: 8px 11px; border-radius: 9px; font-size: 12px; box-shadow: 0 6px 24px rgba(0, 0, 0, 0.25); max-width: 360px; }
.tip-title { font-weight: 600; margin-bottom: 4px; color: #fff; }
.tip-row { display: flex; align-items: center; gap: 7px; line-height: 1.6; }
.tip-label { flex: 1; color: #cfd6e0; }
.tip-val { font-weight: 600; padding-left: 12px; }
.tip .sw { width: 10px; height: 10px; }
.tip .sw.dashed { background: transparent !important; border: 2px dashed; }
.foot { color: var(--faint); font-size: 12px; text-align: center; margin-top: 24px; }
@media (max-width: 640px) { main { padding: 4px 10px 30px; } .card { padding: 12px; } header h1 { font-size: 21px; } .tlabel { min-width: 0; } }
@media print { .timectl, .seg { display: none; } .card { break-inside: avoid; box-shadow: none; } }
)fl_asset";

}  // namespace faultline::report
