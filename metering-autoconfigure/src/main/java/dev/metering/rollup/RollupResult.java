package dev.metering.rollup;

/**
 * What one rollup run did.
 *
 * @param eventsFolded ledger rows added to rollups (new rows and rows that filled gaps)
 * @param batches transactions the run committed (or found nothing to do in)
 * @param watermark the highest ledger id the rollup has looked at
 * @param openGaps id ranges below the watermark still waited for
 * @param expiredGaps id ranges given up in this run after the gap timeout
 */
public record RollupResult(long eventsFolded, int batches, long watermark, int openGaps, int expiredGaps) {

}
