package dev.metering.operation;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

import dev.metering.quota.Reservation;
import dev.metering.tenant.TenantDirectory;
import dev.metering.tenant.TenantLineage;

/**
 * What the kit knows of one HTTP request with a tenant, kept as the one request attribute
 * {@link #ATTRIBUTE}. The metering filter makes it on the request's first dispatch (the MVC
 * interceptor of {@code @Metered} methods makes one for a request the filter does not meter) and
 * keeps it in a local until the request completes; the attribute carries it to an async dispatch
 * and to the {@code @Metered} interceptors, which read it through
 * {@link OperationTenantResolver#currentRequest()} or the request at hand.
 * <p>
 * A request's dispatches run one at a time; the pre-checked call is set on one and may be given
 * back on a later one, so it is published through a volatile field.
 */
public final class MeteredRequest {

	/** The request attribute holding a request's {@code MeteredRequest}. */
	public static final String ATTRIBUTE = MeteredRequest.class.getName();

	private final String tenant;

	private final @Nullable TenantLineage lineage;

	private final Instant started;

	private final Reservation reservation;

	private @Nullable Reservation preChecked;

	private volatile @Nullable MeteredOperation preCheckedOperation;

	/**
	 * The state of a request.
	 * @param tenant the tenant resolved on the first dispatch
	 * @param lineage the tenant's lineage as the request's quota check read it, or {@code null}
	 * when nothing checked one
	 * @param started when the request started: its events occurred then
	 * @param reservation the request meter's quota held until the request is recorded
	 */
	public MeteredRequest(String tenant, @Nullable TenantLineage lineage, Instant started, Reservation reservation) {
		this.tenant = tenant;
		this.lineage = lineage;
		this.started = started;
		this.reservation = reservation;
	}

	/**
	 * The request's tenant.
	 * @return the tenant id
	 */
	public String tenant() {
		return this.tenant;
	}

	/**
	 * The tenant's lineage: as the request's first check read it, so every check of the request
	 * sees the same levels, else as the directory tells it now.
	 * @param directory the directory to ask when the request checked nothing yet
	 * @return the lineage
	 */
	public TenantLineage lineage(TenantDirectory directory) {
		return (this.lineage != null) ? this.lineage : directory.lineageOf(this.tenant);
	}

	/**
	 * When the request started.
	 * @return the instant of its first dispatch
	 */
	public Instant started() {
		return this.started;
	}

	/**
	 * The request meter's reservation, recorded with the request's event.
	 * @return the reservation, {@link Reservation#NONE} without quotas
	 */
	public Reservation reservation() {
		return this.reservation;
	}

	/**
	 * Keeps the quota the MVC interceptor checked and reserved for a {@code @Metered} controller
	 * method, for the method interceptor to take over.
	 * @param operation the operation about to run
	 * @param reservation its reservation
	 */
	public void preChecked(MeteredOperation operation, Reservation reservation) {
		this.preChecked = reservation;
		this.preCheckedOperation = operation;
	}

	/**
	 * Takes the pre-checked reservation of an operation, if the MVC interceptor made one.
	 * @param operation the operation about to run
	 * @return the reservation, or {@code null} when the call was not pre-checked
	 */
	@Nullable Reservation takePreChecked(MeteredOperation operation) {
		MeteredOperation checked = this.preCheckedOperation;
		if (checked == null || !checked.method().equals(operation.method())) {
			return null;
		}
		Reservation reservation = this.preChecked;
		this.preChecked = null;
		this.preCheckedOperation = null;
		return reservation;
	}

	/** Gives back a pre-checked reservation nobody took over (the handler never ran). */
	public void releasePreChecked() {
		if (this.preCheckedOperation == null) {
			return;
		}
		Reservation reservation = this.preChecked;
		this.preChecked = null;
		this.preCheckedOperation = null;
		if (reservation != null) {
			reservation.release();
		}
	}

}
