package dev.metering.console;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;

/**
 * A console request refused: bad input (400, naming the field), no caller (401), a caller that
 * may not see the page (403) or nothing there (404). Nothing was changed.
 */
final class ConsoleException extends RuntimeException {

	private final HttpStatus status;

	private final @Nullable String field;

	ConsoleException(HttpStatus status, @Nullable String field, String message) {
		super(message);
		this.status = status;
		this.field = field;
	}

	static ConsoleException badRequest(String field, String message) {
		return new ConsoleException(HttpStatus.BAD_REQUEST, field, message);
	}

	static ConsoleException forbidden(String message) {
		return new ConsoleException(HttpStatus.FORBIDDEN, null, message);
	}

	HttpStatus status() {
		return this.status;
	}

	@Nullable String field() {
		return this.field;
	}

}
