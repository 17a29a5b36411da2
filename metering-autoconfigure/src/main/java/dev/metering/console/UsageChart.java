package dev.metering.console;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

import dev.metering.billing.Granularity;
import dev.metering.billing.UsageSummary;

/**
 * A usage summary drawn as an SVG bar chart, one bar per bucket, the series of a bucket stacked
 * (one series today; a series per dimension value fits the same drawing), with the figures in a
 * table beside it for screen readers and for copying. Each bar carries its bucket's start and
 * value, so what is drawn can be compared with the usage API's answer.
 */
final class UsageChart {

	private static final int WIDTH = 720;

	private static final int HEIGHT = 240;

	private static final int LEFT = 56;

	private static final int BOTTOM = 28;

	private static final int TOP = 8;

	private UsageChart() {
	}

	/**
	 * One stacked part of every bar.
	 *
	 * @param name what it counts, e.g. {@code all} or a dimension's value
	 * @param values one value per bucket, in the buckets' order
	 */
	record Series(String name, List<BigDecimal> values) {

		Series {
			values = List.copyOf(values);
		}

	}

	static String draw(UsageSummary summary, List<Series> series) {
		List<UsageSummary.Bucket> buckets = summary.buckets();
		BigDecimal highest = BigDecimal.ONE;
		for (int i = 0; i < buckets.size(); i++) {
			BigDecimal stacked = BigDecimal.ZERO;
			for (Series s : series) {
				stacked = stacked.add(s.values().get(i));
			}
			highest = highest.max(stacked);
		}
		double plotWidth = WIDTH - LEFT - 8;
		double plotHeight = HEIGHT - TOP - BOTTOM;
		double slot = plotWidth / Math.max(1, buckets.size());
		double gap = (slot > 4) ? slot * 0.15 : 0;
		DateTimeFormatter label = labels(summary.granularity());
		StringBuilder svg = new StringBuilder(256 + buckets.size() * 160 * series.size());
		svg.append("<svg class=\"chart\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
			.append("\" role=\"img\" aria-labelledby=\"chart-title\" data-meter=\"").append(Html.attr(summary.meter()))
			.append("\" data-granularity=\"").append(summary.granularity().id()).append("\">")
			.append("<title id=\"chart-title\">").append(Html.text(summary.meter())).append(" per ")
			.append(summary.granularity().id()).append(", ").append(Html.text(Html.time(summary.period().from())))
			.append(" to ").append(Html.text(Html.time(summary.period().to()))).append(": total ")
			.append(Html.number(summary.total())).append("</title>");
		axis(svg, highest, plotHeight);
		for (int i = 0; i < buckets.size(); i++) {
			UsageSummary.Bucket bucket = buckets.get(i);
			double x = LEFT + i * slot + gap / 2;
			double base = TOP + plotHeight;
			for (int k = 0; k < series.size(); k++) {
				BigDecimal value = series.get(k).values().get(i);
				double height = value.divide(highest, 6, RoundingMode.HALF_UP).doubleValue() * plotHeight;
				base -= height;
				svg.append("<rect class=\"bar s").append(k % 6).append("\" x=\"").append(fixed(x))
					.append("\" y=\"").append(fixed(base)).append("\" width=\"").append(fixed(Math.max(0.5, slot - gap)))
					.append("\" height=\"").append(fixed(height)).append("\" data-series=\"")
					.append(Html.attr(series.get(k).name())).append("\" data-start=\"").append(bucket.start())
					.append("\" data-value=\"").append(Html.number(value)).append("\"><title>")
					.append(label.format(bucket.start())).append(": ").append(Html.number(value)).append("</title></rect>");
			}
		}
		int[] shown = (buckets.size() > 2) ? new int[] { 0, buckets.size() / 2, buckets.size() - 1 }
				: new int[] { 0, buckets.size() - 1 };
		for (int i : shown) {
			if (i >= 0 && i < buckets.size()) {
				svg.append("<text class=\"tick\" x=\"").append(fixed(LEFT + i * slot + slot / 2)).append("\" y=\"")
					.append(HEIGHT - 8).append("\" text-anchor=\"middle\">")
					.append(label.format(buckets.get(i).start())).append("</text>");
			}
		}
		return svg.append("</svg>").toString();
	}

	/** The same figures as a table. */
	static String table(UsageSummary summary, List<Series> series) {
		DateTimeFormatter label = labels(summary.granularity());
		StringBuilder table = new StringBuilder("<table class=\"figures\"><caption>")
			.append(Html.text(summary.meter())).append(" per ").append(summary.granularity().id())
			.append(" (UTC)</caption><thead><tr><th scope=\"col\">").append(summary.granularity().id()).append("</th>");
		series.forEach((s) -> table.append("<th scope=\"col\">").append(Html.text(s.name())).append("</th>"));
		table.append("</tr></thead><tbody>");
		for (int i = 0; i < summary.buckets().size(); i++) {
			table.append("<tr><th scope=\"row\">").append(label.format(summary.buckets().get(i).start())).append("</th>");
			for (Series s : series) {
				table.append("<td>").append(Html.number(s.values().get(i))).append("</td>");
			}
			table.append("</tr>");
		}
		return table.append("</tbody></table>").toString();
	}

	private static void axis(StringBuilder svg, BigDecimal highest, double plotHeight) {
		svg.append("<line class=\"axis\" x1=\"").append(LEFT).append("\" y1=\"").append(fixed(TOP + plotHeight))
			.append("\" x2=\"").append(WIDTH - 8).append("\" y2=\"").append(fixed(TOP + plotHeight)).append("\"/>")
			.append("<line class=\"grid\" x1=\"").append(LEFT).append("\" y1=\"").append(TOP).append("\" x2=\"")
			.append(WIDTH - 8).append("\" y2=\"").append(TOP).append("\"/>")
			.append("<text class=\"tick\" x=\"").append(LEFT - 6).append("\" y=\"").append(TOP + 10)
			.append("\" text-anchor=\"end\">").append(Html.number(highest)).append("</text>")
			.append("<text class=\"tick\" x=\"").append(LEFT - 6).append("\" y=\"").append(fixed(TOP + plotHeight))
			.append("\" text-anchor=\"end\">0</text>");
	}

	private static DateTimeFormatter labels(Granularity granularity) {
		String pattern = switch (granularity) {
			case HOUR -> "MM-dd HH:00";
			case DAY -> "MM-dd";
			case MONTH -> "yyyy-MM";
		};
		return DateTimeFormatter.ofPattern(pattern).withZone(ZoneOffset.UTC);
	}

	private static String fixed(double value) {
		return String.format(java.util.Locale.ROOT, "%.2f", value);
	}

}
