//! `chart.svg`, written by hand (a plotting crate would be most of the binary for two bar
//! charts): the emission curve per epoch (what the curve asks, what finalization allocated,
//! what was claimed), and per provider the claimed-work, verified-work and reward shares side
//! by side — where a cheater's or a wash trader's bars part ways.

use std::fmt::Write as _;

use super::report::{pct, tokens, Report};

const WIDTH: f64 = 960.0;
const MARGIN_LEFT: f64 = 90.0;
const MARGIN_RIGHT: f64 = 30.0;
const EMISSION_TOP: f64 = 90.0;
const EMISSION_HEIGHT: f64 = 220.0;
const ROW_HEIGHT: f64 = 54.0;
const BAR_HEIGHT: f64 = 13.0;

const CURVE_COLOR: &str = "#cbd5e1";
const ALLOCATED_COLOR: &str = "#3b82f6";
const CLAIMED_COLOR: &str = "#1e3a8a";
const CLAIMED_WORK_COLOR: &str = "#9ca3af";
const VERIFIED_WORK_COLOR: &str = "#10b981";
const REWARD_COLOR: &str = "#f59e0b";

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

fn legend(svg: &mut String, x: f64, y: f64, items: &[(&str, &str)]) {
    let mut cx = x;
    for (color, label) in items {
        rect(svg, cx, y - 10.0, 12.0, 12.0, color, label);
        text(svg, cx + 16.0, y, "start", 12, "normal", label);
        cx += 28.0 + 7.0 * label.chars().count() as f64;
    }
}

/// The SVG document.
pub fn svg(report: &Report) -> String {
    let providers = &report.providers;
    let rewards_top = EMISSION_TOP + EMISSION_HEIGHT + 110.0;
    let height = rewards_top + 30.0 + ROW_HEIGHT * providers.len().max(1) as f64 + 30.0;
    let plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
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
        24.0,
        "middle",
        16,
        "bold",
        &format!("spice simulate — scenario {:?}", report.scenario.name),
    );

    // Emission per epoch, in tokens.
    text(
        &mut svg,
        MARGIN_LEFT,
        EMISSION_TOP - 26.0,
        "start",
        14,
        "bold",
        "Emission per epoch (tokens)",
    );
    legend(
        &mut svg,
        MARGIN_LEFT + 250.0,
        EMISSION_TOP - 26.0,
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
    let top = (max / step).ceil().max(1.0) * step;
    let bottom = EMISSION_TOP + EMISSION_HEIGHT;
    let y_of = |v: f64| bottom - v / top * EMISSION_HEIGHT;
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()).max(0.0) as usize
    };
    let ticks = (top / step).round() as u32;
    for k in 0..=ticks {
        let tick = step * f64::from(k);
        let y = y_of(tick);
        let _ = writeln!(
            svg,
            r##"<line x1="{MARGIN_LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e5e7eb"/>"##,
            WIDTH - MARGIN_RIGHT
        );
        let label = format!("{tick:.decimals$}");
        text(
            &mut svg,
            MARGIN_LEFT - 8.0,
            y + 4.0,
            "end",
            11,
            "normal",
            &label,
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
                &mut svg,
                x,
                y_of(v),
                bar_w - 2.0,
                bottom - y_of(v),
                color,
                &format!("epoch {} {what}: {}", e.index, tokens(value)),
            );
        }
        text(
            &mut svg,
            gx + bar_w * 1.5,
            y_of(e.curve_emission.max(e.allocated) as f64 / unit) - 6.0,
            "middle",
            10,
            "normal",
            &tokens(e.allocated),
        );
        text(
            &mut svg,
            MARGIN_LEFT + group_w * (i as f64 + 0.5),
            bottom + 16.0,
            "middle",
            11,
            "normal",
            &format!("epoch {}", e.index),
        );
    }
    let _ = writeln!(
        svg,
        r##"<line x1="{MARGIN_LEFT}" y1="{bottom:.1}" x2="{:.1}" y2="{bottom:.1}" stroke="#374151"/>"##,
        WIDTH - MARGIN_RIGHT
    );

    // Reward distribution per provider.
    text(
        &mut svg,
        MARGIN_LEFT,
        rewards_top - 26.0,
        "start",
        14,
        "bold",
        "Shares per provider",
    );
    legend(
        &mut svg,
        MARGIN_LEFT + 250.0,
        rewards_top - 26.0,
        &[
            (CLAIMED_WORK_COLOR, "claimed work"),
            (VERIFIED_WORK_COLOR, "verified work"),
            (REWARD_COLOR, "rewards"),
        ],
    );
    let label_w = 150.0;
    let bars_x = MARGIN_LEFT + label_w - 60.0;
    let bars_w = WIDTH - MARGIN_RIGHT - bars_x - 150.0;
    let max_share = providers
        .iter()
        .flat_map(|p| [p.claimed_work_share, p.verified_work_share, p.reward_share])
        .fold(0.0, f64::max);
    let scale = ((max_share * 10.0).ceil() / 10.0).max(0.1);
    for (i, p) in providers.iter().enumerate() {
        let y = rewards_top + ROW_HEIGHT * i as f64;
        text(
            &mut svg,
            bars_x - 10.0,
            y + 16.0,
            "end",
            12,
            "bold",
            &p.name,
        );
        text(
            &mut svg,
            bars_x - 10.0,
            y + 31.0,
            "end",
            11,
            "normal",
            p.kind.label(),
        );
        for (k, (value, color, what)) in [
            (p.claimed_work_share, CLAIMED_WORK_COLOR, "claimed work"),
            (p.verified_work_share, VERIFIED_WORK_COLOR, "verified work"),
            (p.reward_share, REWARD_COLOR, "rewards"),
        ]
        .into_iter()
        .enumerate()
        {
            let by = y + 2.0 + (BAR_HEIGHT + 2.0) * k as f64;
            let w = value / scale * bars_w;
            rect(
                &mut svg,
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
                &mut svg,
                bars_x + w + 5.0,
                by + 11.0,
                "start",
                10,
                "normal",
                &label,
            );
        }
    }
    let _ = writeln!(
        svg,
        r##"<line x1="{bars_x:.1}" y1="{:.1}" x2="{bars_x:.1}" y2="{:.1}" stroke="#374151"/>"##,
        rewards_top - 4.0,
        rewards_top + ROW_HEIGHT * providers.len() as f64
    );
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
}
