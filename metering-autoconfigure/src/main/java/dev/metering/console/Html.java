package dev.metering.console;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import org.jspecify.annotations.Nullable;

/**
 * The frame of every console page and the escaping of what goes into it. Every text that comes
 * from data or a request passes {@link #text}; nothing is written into a script or a style.
 */
final class Html {

	static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
		.withZone(ZoneOffset.UTC);

	private final StringBuilder out = new StringBuilder(8_192);

	private final String base;

	private final @Nullable Hidden securityToken;

	/**
	 * Starts a page.
	 * @param base the console's path with the context path
	 * @param title the page title
	 * @param caller the caller, for the navigation, or {@code null} on the login page
	 * @param csrf the caller's CSRF token, or {@code null} when it needs none
	 * @param securityToken Spring Security's CSRF token of the request, which its filter checks
	 * before the console does, or {@code null}
	 */
	Html(String base, String title, @Nullable ConsoleCaller caller, @Nullable String csrf,
			@Nullable Hidden securityToken) {
		this.base = base;
		this.securityToken = securityToken;
		this.out.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
			.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
			.append("<title>").append(text(title)).append(" · Metering console</title>")
			.append("<link rel=\"stylesheet\" href=\"").append(attr(base)).append("/assets/console.css\">")
			.append("</head><body><a class=\"skip\" href=\"#main\">Skip to the content</a><header><nav aria-label=\"Console\">")
			.append("<a href=\"").append(attr(base)).append("\">Metering console</a>");
		if (caller != null && caller.operator()) {
			this.out.append("<a href=\"").append(attr(base)).append("/audit\">Audit log</a>");
		}
		if (caller != null && caller.tenant() != null) {
			this.out.append("<span>Tenant view: ").append(text(caller.tenant())).append("</span>");
		}
		if (caller != null && caller.session()) {
			this.out.append("<form method=\"post\" action=\"").append(attr(base)).append("/logout\">");
			csrfField(csrf);
			this.out.append("<button type=\"submit\">Log out</button></form>");
		}
		this.out.append("</nav></header><main id=\"main\"><h1>").append(text(title)).append("</h1>");
	}

	/** Appends markup the console wrote itself; data goes through {@link #text}. */
	Html raw(String markup) {
		this.out.append(markup);
		return this;
	}

	/** Appends escaped text. */
	Html add(@Nullable Object value) {
		this.out.append(text(String.valueOf(value)));
		return this;
	}

	/** The hidden fields with the CSRF tokens, for every form that changes something. */
	Html csrfField(@Nullable String csrf) {
		if (csrf != null) {
			hidden(new Hidden("csrf", csrf));
		}
		if (this.securityToken != null) {
			hidden(this.securityToken);
		}
		return this;
	}

	private void hidden(Hidden field) {
		this.out.append("<input type=\"hidden\" name=\"").append(attr(field.name())).append("\" value=\"")
			.append(attr(field.value())).append("\">");
	}

	String base() {
		return this.base;
	}

	String render() {
		return this.out.append("</main></body></html>\n").toString();
	}

	static String text(@Nullable String value) {
		if (value == null) {
			return "";
		}
		StringBuilder escaped = new StringBuilder(value.length() + 16);
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '&' -> escaped.append("&amp;");
				case '<' -> escaped.append("&lt;");
				case '>' -> escaped.append("&gt;");
				case '"' -> escaped.append("&quot;");
				case '\'' -> escaped.append("&#39;");
				default -> escaped.append(c);
			}
		}
		return escaped.toString();
	}

	static String attr(@Nullable String value) {
		return text(value);
	}

	/** A path segment: tenant ids may hold characters a URL must not carry raw. */
	static String segment(String value) {
		return org.springframework.web.util.UriUtils.encodePathSegment(value, java.nio.charset.StandardCharsets.UTF_8);
	}

	static String number(BigDecimal value) {
		return value.stripTrailingZeros().toPlainString();
	}

	static String time(Instant at) {
		return TIME.format(at);
	}

	/**
	 * A hidden form field.
	 *
	 * @param name its name
	 * @param value its value
	 */
	record Hidden(String name, String value) {
	}

}
