//! `chart.svg` and the sweeps' SVGs, written by hand (a plotting crate would be most of the
//! binary for a few bar and line charts). Per run: the emission curve per epoch (what the curve
//! asks, what finalization allocated, what was claimed); the emission of the run split by each
//! reward rule (honest providers, returned to the pool, adversaries); each adversary's profit
//! under each rule (a symmetric log scale: slashes are thousands of tokens, a wash trade's loss
//! cents); and per provider account the claimed-work, verified-work and reward shares side by
//! side — where a cheater's or a wash trader's bars part ways. A sweep: each adversary's
//! expected net against the parameter, as it happened (dots), the values the program refused,
//! and where the docs' inequality puts each adversary's break-even.

use std::fmt::Write as _;

use super::report::{pct, signed, tokens, Benchmark, Report};
use super::rules::Rule;
use super::sweep::Sweep;

const WIDTH: f64 = 1000.0;
const MARGIN_LEFT: f64 = 90.0;
const MARGIN_RIGHT: f64 = 30.0;
const EMISSION_HEIGHT: f64 = 200.0;
const ROW_HEIGHT: f64 = 54.0;
const BAR_HEIGHT: f64 = 13.0;

const CURVE_COLOR: &str = "#cbd5e1";
const ALLOCATED_COLOR: &str = "#3b82f6";
const CLAIMED_COLOR: &str = "#1e3a8a";
const CLAIMED_WORK_COLOR: &str = "#9ca3af";
const VERIFIED_WORK_COLOR: &str = "#10b981";
const REWARD_COLOR: &str = "#f59e0b";
const HONEST_COLOR: &str = "#10b981";
const POOL_COLOR: &str = "#bfdbfe";
const ADVERSARY_COLOR: &str = "#ef4444";
const RULE_COLORS: [&str; 4] = ["#2563eb", "#a855f7", "#f97316", "#64748b"];
const PALETTE: [&str; 14] = [
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45",
    "#469990", "#9a6324", "#800000", "#808000", "#000075", "#a9a9a9",
];

/// Escapes text for SVG.
fn esc(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#39;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// A round step (1, 2 or 5 × 10^k) near `max / 4`, so the axis has 4–8 labelled ticks.
fn nice_step(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let rough = max / 4.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let residual = rough / magnitude;
    let factor = if residual <= 1.0 {
        1.0
    } else if residual <= 2.0 {
        2.0
    } else if residual <= 5.0 {
        5.0
    } else {
        10.0
    };
    factor * magnitude
}

/// The symmetric log of an amount of tokens: `sign(v) · log10(1 + |v|)`.
fn symlog(tokens: f64) -> f64 {
    tokens.signum() * (1.0 + tokens.abs()).log10()
}

fn text(svg: &mut String, x: f64, y: f64, anchor: &str, size: u32, weight: &str, s: &str) {
    let _ = writeln!(
        svg,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" font-size="{size}" font-weight="{weight}">{}</text>"#,
        esc(s)
    );
}

fn rect(svg: &mut String, x: f64, y: f64, w: f64, h: f64, fill: &str, title: &str) {
    let _ = writeln!(
        svg,
        r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{fill}"><title>{}</title></rect>"#,
        w.max(0.0),
        h.max(0.0),
        esc(title)
    );
}

fn line(svg: &mut String, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, extra: &str) {
    let _ = writeln!(
        svg,
        r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{stroke}" {extra}/>"#
    );
}

/// A panel's title, and its legend right after it.
fn title_and_legend(svg: &mut String, y: f64, title: &str, items: &[(&str, &str)]) {
    text(svg, MARGIN_LEFT, y, "start", 14, "bold", title);
    legend(
        svg,
        MARGIN_LEFT + 8.6 * title.chars().count() as f64 + 24.0,
        y,
        items,
    );
}

fn legend(svg: &mut String, x: f64, y: f64, items: &[(&str, &str)]) {
    let mut cx = x;
    for (color, label) in items {
        rect(svg, cx, y - 10.0, 12.0, 12.0, color, label);
        text(svg, cx + 16.0, y, "start", 12, "normal", label);
        cx += 28.0 + 7.0 * label.chars().count() as f64;
    }
}

/// Ticks of a symmetric log axis covering `[lo, hi]` tokens: 0 and ±10^k.
fn symlog_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut ticks = vec![0.0];
    let mut t = 1.0;
    while t <= hi.max(-lo).max(1.0) * 10.0 {
        if t <= hi * 1.0001 {
            ticks.push(t);
        }
        if -t >= lo * 1.0001 {
            ticks.push(-t);
        }
        t *= 10.0;
    }
    ticks
}

fn tick_label(t: f64) -> String {
    if t == 0.0 {
        "0".into()
    } else if t.abs() >= 1_000_000.0 {
        format!("{}M", t / 1_000_000.0)
    } else if t.abs() >= 1_000.0 {
        format!("{}k", t / 1_000.0)
    } else {
        format!("{t}")
    }
}

/// The whole `chart.svg`: one section per run.
pub fn svg(bench: &Benchmark) -> String {
    let mut body = String::new();
    let mut y = 20.0;
    for r in &bench.runs {
        y = run_section(&mut body, r, y);
        y += 40.0;
    }
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{y:.0}" viewBox="0 0 {WIDTH} {y:.0}" font-family="Helvetica, Arial, sans-serif">"#
    );
    let _ = writeln!(
        svg,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    svg.push_str(&body);
    svg.push_str("</svg>\n");
    svg
}

/// One run's panels from `top`; returns where they end.
fn run_section(svg: &mut String, report: &Report, top: f64) -> f64 {
    text(
        svg,
        WIDTH / 2.0,
        top + 10.0,
        "middle",
        17,
        "bold",
        &format!(
            "spice simulate — scenario {:?} ({} region)",
            report.scenario.name, report.regime.region
        ),
    );
    let y = emission_panel(svg, report, top + 70.0);
    let y = rules_panel(svg, report, y + 70.0);
    let y = adversaries_panel(svg, report, y + 70.0);
    shares_panel(svg, report, y + 70.0)
}

fn emission_panel(svg: &mut String, report: &Report, top: f64) -> f64 {
    let plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
    title_and_legend(
        svg,
        top - 26.0,
        "Emission per epoch (tokens)",
        &[
            (CURVE_COLOR, "curve E(e)"),
            (ALLOCATED_COLOR, "allocated"),
            (CLAIMED_COLOR, "claimed"),
        ],
    );
    let unit = 10f64.powi(i32::from(report.network.decimals));
    let max = report
        .epochs
        .iter()
        .map(|e| e.curve_emission.max(e.allocated) as f64 / unit)
        .fold(0.0, f64::max);
    let step = nice_step(max);
    let top_v = (max / step).ceil().max(1.0) * step;
    let bottom = top + EMISSION_HEIGHT;
    let y_of = |v: f64| bottom - v / top_v * EMISSION_HEIGHT;
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()).max(0.0) as usize
    };
    let ticks = (top_v / step).round() as u32;
    for k in 0..=ticks {
        let tick = step * f64::from(k);
        let y = y_of(tick);
        line(svg, MARGIN_LEFT, y, WIDTH - MARGIN_RIGHT, y, "#e5e7eb", "");
        text(
            svg,
            MARGIN_LEFT - 8.0,
            y + 4.0,
            "end",
            11,
            "normal",
            &format!("{tick:.decimals$}"),
        );
    }
    let n = report.epochs.len().max(1) as f64;
    let group_w = plot_w / n;
    let bar_w = (group_w * 0.8 / 3.0).min(40.0);
    for (i, e) in report.epochs.iter().enumerate() {
        let gx = MARGIN_LEFT + group_w * i as f64 + (group_w - 3.0 * bar_w) / 2.0;
        for (k, (value, color, what)) in [
            (e.curve_emission, CURVE_COLOR, "curve"),
            (e.allocated, ALLOCATED_COLOR, "allocated"),
            (e.claimed, CLAIMED_COLOR, "claimed"),
        ]
        .into_iter()
        .enumerate()
        {
            let v = value as f64 / unit;
            let x = gx + bar_w * k as f64;
            rect(
                svg,
                x,
                y_of(v),
                bar_w - 2.0,
                bottom - y_of(v),
                color,
                &format!("epoch {} {what}: {}", e.index, tokens(value)),
            );
        }
        text(
            svg,
            gx + bar_w * 1.5,
            y_of(e.curve_emission.max(e.allocated) as f64 / unit) - 6.0,
            "middle",
            10,
            "normal",
            &tokens(e.allocated),
        );
        text(
            svg,
            MARGIN_LEFT + group_w * (i as f64 + 0.5),
            bottom + 16.0,
            "middle",
            11,
            "normal",
            &format!("epoch {}", e.index),
        );
    }
    line(
        svg,
        MARGIN_LEFT,
        bottom,
        WIDTH - MARGIN_RIGHT,
        bottom,
        "#374151",
        "",
    );
    bottom + 20.0
}

/// The run's emission split by each rule: to honest providers, back to the pool, to
/// adversaries; with the honest providers' correlation.
fn rules_panel(svg: &mut String, report: &Report, top: f64) -> f64 {
    title_and_legend(
        svg,
        top - 26.0,
        "Where each rule sends the run's emission",
        &[
            (HONEST_COLOR, "honest providers"),
            (POOL_COLOR, "returned to the pool"),
            (ADVERSARY_COLOR, "adversaries"),
        ],
    );
    let label_w = 230.0;
    let bars_x = MARGIN_LEFT + label_w - 80.0;
    let bars_w = WIDTH - MARGIN_RIGHT - bars_x - 250.0;
    let row = 34.0;
    for (i, r) in report.rules.iter().enumerate() {
        let y = top + row * i as f64;
        text(svg, bars_x - 10.0, y + 15.0, "end", 12, "bold", &r.label);
        let emission: u64 = r.epochs.iter().map(|e| e.emission).sum();
        let honest: u64 = r.epochs.iter().map(|e| e.to_honest).sum();
        let returned: u64 = r.epochs.iter().map(|e| e.returned).sum();
        let adv: u64 = r.epochs.iter().map(|e| e.to_adversaries).sum();
        let whole = emission.max(1) as f64;
        let mut x = bars_x;
        for (v, color, what) in [
            (honest, HONEST_COLOR, "to honest providers"),
            (returned, POOL_COLOR, "returned to the pool"),
            (adv, ADVERSARY_COLOR, "to adversaries"),
        ] {
            let w = v as f64 / whole * bars_w;
            rect(
                svg,
                x,
                y + 2.0,
                w,
                20.0,
                color,
                &format!(
                    "{}: {what} {} ({})",
                    r.label,
                    tokens(v),
                    pct(v as f64 / whole)
                ),
            );
            x += w;
        }
        text(
            svg,
            bars_x + bars_w + 8.0,
            y + 16.0,
            "start",
            11,
            "normal",
            &format!(
                "corr {:.3} · to adversaries {} · min epoch {}",
                r.correlation,
                pct(adv as f64 / whole),
                pct(r.honest_share_min)
            ),
        );
    }
    top + row * report.rules.len() as f64 + 10.0
}

/// Each adversary's profit under each rule, symmetric log scale, zero in the middle.
fn adversaries_panel(svg: &mut String, report: &Report, top: f64) -> f64 {
    let items: Vec<(&str, &str)> = Rule::ALL
        .iter()
        .zip(RULE_COLORS)
        .map(|(r, c)| (c, r.short()))
        .collect();
    title_and_legend(
        svg,
        top - 26.0,
        "Adversaries' profit by rule (tokens, symmetric log; | its honest counterfactual)",
        &items,
    );
    let adversaries: Vec<&super::accounting::ActorBooks> =
        report.actors.iter().filter(|a| !a.honest).collect();
    let unit = 10f64.powi(i32::from(report.network.decimals));
    let mut lo: f64 = 0.0;
    let mut hi: f64 = 0.0;
    for r in &report.rules {
        for a in &r.adversaries {
            lo = lo.min(a.profit / unit);
            hi = hi.max(a.profit / unit);
        }
    }
    let (slo, shi) = (symlog(lo).min(-1.0), symlog(hi).max(1.0));
    let label_w = 150.0;
    let x0 = MARGIN_LEFT + label_w - 60.0;
    let w = WIDTH - MARGIN_RIGHT - x0 - 20.0;
    let x_of = |t: f64| x0 + (symlog(t) - slo) / (shi - slo) * w;
    let row = 4.0 * 9.0 + 12.0;
    let height = row * adversaries.len().max(1) as f64;
    for t in symlog_ticks(lo, hi) {
        let x = x_of(t);
        line(
            svg,
            x,
            top - 4.0,
            x,
            top + height,
            if t == 0.0 { "#374151" } else { "#e5e7eb" },
            "",
        );
        text(
            svg,
            x,
            top + height + 14.0,
            "middle",
            10,
            "normal",
            &tick_label(t),
        );
    }
    for (i, a) in adversaries.iter().enumerate() {
        let y = top + row * i as f64;
        text(svg, x0 - 10.0, y + 16.0, "end", 12, "bold", &a.name);
        text(
            svg,
            x0 - 10.0,
            y + 30.0,
            "end",
            10,
            "normal",
            a.kind.label(),
        );
        for (k, rule) in Rule::ALL.iter().enumerate() {
            let Some(u) = report
                .rule(*rule)
                .and_then(|r| r.adversaries.iter().find(|u| u.name == a.name))
            else {
                continue;
            };
            let v = u.profit / unit;
            let (xa, xb) = (x_of(0.0), x_of(v));
            let by = y + 2.0 + 9.0 * k as f64;
            rect(
                svg,
                xa.min(xb),
                by,
                (xb - xa).abs(),
                8.0,
                RULE_COLORS[k],
                &format!(
                    "{} under {}: profit {} (gain over honest work {})",
                    a.name,
                    rule.short(),
                    signed(u.profit),
                    signed(u.gain)
                ),
            );
            let xc = x_of(u.counterfactual / unit);
            line(
                svg,
                xc,
                by - 1.0,
                xc,
                by + 9.0,
                "#111827",
                r#"stroke-width="2""#,
            );
        }
    }
    top + height + 24.0
}

/// Per provider account: claimed-work, verified-work and reward shares.
fn shares_panel(svg: &mut String, report: &Report, top: f64) -> f64 {
    let providers = &report.providers;
    title_and_legend(
        svg,
        top - 26.0,
        "Shares per provider account",
        &[
            (CLAIMED_WORK_COLOR, "claimed work (value)"),
            (VERIFIED_WORK_COLOR, "verified paid value"),
            (REWARD_COLOR, "rewards"),
        ],
    );
    let label_w = 150.0;
    let bars_x = MARGIN_LEFT + label_w - 60.0;
    let bars_w = WIDTH - MARGIN_RIGHT - bars_x - 150.0;
    let max_share = providers
        .iter()
        .flat_map(|p| [p.claimed_value_share, p.value_share, p.reward_share])
        .fold(0.0, f64::max);
    let scale = ((max_share * 10.0).ceil() / 10.0).max(0.1);
    for (i, p) in providers.iter().enumerate() {
        let y = top + ROW_HEIGHT * i as f64;
        text(svg, bars_x - 10.0, y + 16.0, "end", 12, "bold", &p.name);
        text(
            svg,
            bars_x - 10.0,
            y + 31.0,
            "end",
            11,
            "normal",
            p.kind.label(),
        );
        for (k, (value, color, what)) in [
            (p.claimed_value_share, CLAIMED_WORK_COLOR, "claimed work"),
            (p.value_share, VERIFIED_WORK_COLOR, "verified work"),
            (p.reward_share, REWARD_COLOR, "rewards"),
        ]
        .into_iter()
        .enumerate()
        {
            let by = y + 2.0 + (BAR_HEIGHT + 2.0) * k as f64;
            let w = value / scale * bars_w;
            rect(
                svg,
                bars_x,
                by,
                w,
                BAR_HEIGHT,
                color,
                &format!("{} {what}: {}", p.name, pct(value)),
            );
            let label = if k == 2 {
                format!("{} · {} tokens", pct(value), tokens(p.rewards))
            } else {
                pct(value)
            };
            text(
                svg,
                bars_x + w + 5.0,
                by + 11.0,
                "start",
                10,
                "normal",
                &label,
            );
        }
    }
    let bottom = top + ROW_HEIGHT * providers.len() as f64;
    line(svg, bars_x, top - 4.0, bars_x, bottom, "#374151", "");
    bottom
}

/// A sweep's chart.
pub fn sweep_svg(s: &Sweep) -> String {
    let height = 640.0;
    let (left, right, top, bottom) = (90.0, 290.0, 70.0, height - 90.0);
    let plot_w = WIDTH - left - right;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" font-family="Helvetica, Arial, sans-serif">"#
    );
    let _ = writeln!(
        svg,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    text(
        &mut svg,
        WIDTH / 2.0,
        26.0,
        "middle",
        16,
        "bold",
        &format!(
            "Adversaries' expected net against {} — scenario {:?}",
            s.param, s.scenario
        ),
    );
    text(
        &mut svg,
        WIDTH / 2.0,
        46.0,
        "middle",
        11,
        "normal",
        "lines: expected net over the audit draw · rings: as it happened · dashed: the docs' \
         predicted break-even (in the legend) · grey: refused by the program's bounds",
    );
    let unit = 10f64.powi(i32::from(super::scenario::DECIMALS));
    // The swept values evenly spaced, in order; a value between two of them (a boundary)
    // interpolated between their positions.
    let mut xs: Vec<f64> = s.points.iter().map(|p| p.x).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let slots = (xs.len().max(2) - 1) as f64;
    let x_of = |v: f64| -> f64 {
        let pos = match xs.iter().position(|&x| x >= v) {
            None => slots,
            Some(0) => 0.0,
            Some(i) => {
                let (a, b) = (xs[i - 1], xs[i]);
                (i - 1) as f64 + if b > a { (v - a) / (b - a) } else { 0.0 }
            }
        };
        left + pos / slots * plot_w
    };
    let mut lo: f64 = 0.0;
    let mut hi: f64 = 0.0;
    for p in &s.points {
        for a in &p.adversaries {
            for v in [a.expected_net, a.net] {
                lo = lo.min(v / unit);
                hi = hi.max(v / unit);
            }
        }
    }
    let (slo, shi) = (symlog(lo).min(-1.0), symlog(hi).max(1.0));
    let y_of = |t: f64| bottom - (symlog(t) - slo) / (shi - slo) * (bottom - top);
    // Refused values: a grey band around each, within the plot.
    let band = (plot_w / (s.points.len().max(2) as f64 - 1.0) * 0.5).min(40.0);
    for p in &s.points {
        let x = x_of(p.x);
        if p.refused.is_some() {
            let x0 = (x - band / 2.0).max(left);
            let x1 = (x + band / 2.0).min(left + plot_w);
            rect(
                &mut svg,
                x0,
                top,
                x1 - x0,
                bottom - top,
                "#e5e7eb",
                &format!("{} = {}: refused by the program's bounds", s.param, p.value),
            );
            text(&mut svg, x, top + 14.0, "middle", 10, "normal", "refused");
        }
        text(&mut svg, x, bottom + 16.0, "middle", 11, "normal", &p.value);
    }
    for t in symlog_ticks(lo, hi) {
        let y = y_of(t);
        line(
            &mut svg,
            left,
            y,
            left + plot_w,
            y,
            if t == 0.0 { "#374151" } else { "#e5e7eb" },
            "",
        );
        text(
            &mut svg,
            left - 8.0,
            y + 4.0,
            "end",
            11,
            "normal",
            &tick_label(t),
        );
    }
    text(
        &mut svg,
        left + plot_w / 2.0,
        bottom + 40.0,
        "middle",
        13,
        "bold",
        &s.param,
    );
    text(
        &mut svg,
        24.0,
        (top + bottom) / 2.0,
        "middle",
        12,
        "normal",
        "tokens",
    );
    let names: Vec<(String, super::scenario::ProviderKind)> = s
        .points
        .iter()
        .find(|p| p.refused.is_none())
        .map(|p| {
            p.adversaries
                .iter()
                .map(|a| (a.name.clone(), a.kind))
                .collect()
        })
        .unwrap_or_default();
    for (i, (name, kind)) in names.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let pts: Vec<(f64, f64, f64)> = s
            .points
            .iter()
            .filter(|p| p.refused.is_none())
            .filter_map(|p| {
                p.adversaries
                    .iter()
                    .find(|a| &a.name == name)
                    .map(|a| (p.x, a.expected_net / unit, a.net / unit))
            })
            .collect();
        let path: Vec<String> = pts
            .iter()
            .map(|(x, e, _)| format!("{:.1},{:.1}", x_of(*x), y_of(*e)))
            .collect();
        let _ = writeln!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2"><title>{}</title></polyline>"#,
            path.join(" "),
            esc(&format!("{name} ({}) expected net", kind.label()))
        );
        for (x, e, n) in &pts {
            let _ = writeln!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{color}"><title>{}</title></circle>"#,
                x_of(*x),
                y_of(*e),
                esc(&format!("{name}: expected {:.2} tokens", e))
            );
            let _ = writeln!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="none" stroke="{color}"><title>{}</title></circle>"#,
                x_of(*x),
                y_of(*n),
                esc(&format!("{name}: as it happened {:.2} tokens", n))
            );
        }
        if let Some(b) = s.boundaries.iter().find(|b| &b.name == name) {
            if let Some(at) = b.at {
                let x = x_of(at);
                line(
                    &mut svg,
                    x,
                    top,
                    x,
                    bottom,
                    color,
                    r#"stroke-dasharray="6 4" stroke-width="1.5""#,
                );
                text(
                    &mut svg,
                    x + 3.0,
                    top + 28.0 + 12.0 * i as f64,
                    "start",
                    10,
                    "normal",
                    &format!("{name}: {at:.0}"),
                );
            }
        }
        // Legend on the right.
        let ly = top + 18.0 * i as f64;
        let lx = left + plot_w + 20.0;
        rect(&mut svg, lx, ly - 10.0, 12.0, 12.0, color, name);
        let boundary = s
            .boundaries
            .iter()
            .find(|b| &b.name == name)
            .and_then(|b| b.at)
            .map(|at| format!(" · {at:.0}"))
            .unwrap_or_default();
        text(
            &mut svg,
            lx + 16.0,
            ly,
            "start",
            11,
            "normal",
            &format!("{name} ({}){boundary}", kind.label()),
        );
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(4.0), 1.0);
        assert_eq!(nice_step(7.0), 2.0);
        assert_eq!(nice_step(18.0), 5.0);
        assert_eq!(nice_step(0.0), 1.0);
        assert!((nice_step(0.3) - 0.1).abs() < 1e-12);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc("a<b & 'c'"), "a&lt;b &amp; &#39;c&#39;");
    }

    #[test]
    fn symlog_is_odd_and_monotone() {
        assert_eq!(symlog(0.0), 0.0);
        assert!((symlog(9.0) - 1.0).abs() < 1e-12);
        assert!((symlog(-99.0) + 2.0).abs() < 1e-12);
        assert_eq!(
            symlog_ticks(-150.0, 20.0),
            vec![0.0, 1.0, -1.0, 10.0, -10.0, -100.0]
        );
    }
}
