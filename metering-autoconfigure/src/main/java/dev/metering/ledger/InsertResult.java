package dev.metering.ledger;

/**
 * What one insert of a batch of events did.
 *
 * @param inserted rows added to the ledger
 * @param duplicates events skipped because their event id, or their tenant's idempotency key,
 * was already in the ledger (or earlier in the same batch)
 */
public record InsertResult(int inserted, int duplicates) {

	public InsertResult plus(InsertResult other) {
		return new InsertResult(this.inserted + other.inserted, this.duplicates + other.duplicates);
	}

}
