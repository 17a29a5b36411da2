package dev.metering.rollup;

/** The new rows of one batch as they stream by: how many, and the highest id. */
final class NewRows {

	private long watermark;

	private int count;

	private long foldedInDatabase;

	private boolean more;

	/** The ids the database folded, as inclusive ranges. */
	private java.util.List<long[]> ranges = java.util.List.of();

	NewRows(long watermark) {
		this.watermark = watermark;
	}

	void seen(long id) {
		this.watermark = id;
		this.count++;
	}

	void seenInDatabase(long highest, int count, boolean more, java.util.List<long[]> ranges) {
		this.ranges = ranges;
		this.watermark = highest;
		this.count += count;
		this.foldedInDatabase += count;
		this.more |= more;
	}

	/** Whether ids beyond the watermark wait for the next batch, however many rows this one had. */
	boolean more() {
		return this.more;
	}

	java.util.List<long[]> ranges() {
		return this.ranges;
	}

	long foldedInDatabase() {
		return this.foldedInDatabase;
	}

	long watermark() {
		return this.watermark;
	}

	int count() {
		return this.count;
	}

}
