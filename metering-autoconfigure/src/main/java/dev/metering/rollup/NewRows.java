package dev.metering.rollup;

/** The new rows of one batch as they stream by: how many, and the highest id. */
final class NewRows {

	private long watermark;

	private int count;

	private long foldedInDatabase;

	NewRows(long watermark) {
		this.watermark = watermark;
	}

	void seen(long id) {
		this.watermark = id;
		this.count++;
	}

	void seenInDatabase(long highest, int count) {
		this.watermark = highest;
		this.count += count;
		this.foldedInDatabase += count;
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
