package dev.metering.admin.web;

/**
 * A call without valid credentials (401) or without the admin authority (403).
 */
final class AdminAccessDeniedException extends RuntimeException {

	private final int status;

	AdminAccessDeniedException(int status, String message) {
		super(message);
		this.status = status;
	}

	int status() {
		return this.status;
	}

}
