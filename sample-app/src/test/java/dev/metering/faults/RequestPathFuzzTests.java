package dev.metering.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import javax.sql.DataSource;

import dev.metering.event.UsageEvent;
import dev.metering.event.UsageEventValidator;
import dev.metering.ledger.BufferedLedgerWriter;
import dev.metering.sample.SampleApplication;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Fuzzed tenant headers over raw HTTP to the sample app (embedded Tomcat, H2): 10,000 requests
 * (seeded) whose header carries control characters, bytes that are not UTF-8, 10 kB values,
 * CR/LF, blanks. The kit never answers 5xx; a request with a tenant the ledger can hold is
 * recorded exactly once, under exactly that tenant; nothing else reaches the ledger, and every
 * row is one the validator accepts.
 */
class RequestPathFuzzTests {

	private static final int CASES = 10_000;

	private static final long SEED = 13;

	@Test
	void fuzzedTenantHeadersNeverFailTheKitAndRecordOnlyValidTenants() throws Exception {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(SampleApplication.class).run(
				"--server.port=0", "--spring.datasource.url=jdbc:h2:mem:fuzz-" + SEED + ";DB_CLOSE_DELAY=-1",
				"--metering.writer.flush-interval=10ms", "--metering.rollup.enabled=false",
				"--logging.level.dev.metering.web=ERROR")) {
			int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
			Random random = new Random(SEED);
			Map<String, Integer> expected = new HashMap<>();
			Map<Integer, Integer> statuses = new HashMap<>();
			for (int i = 0; i < CASES; i++) {
				byte[] value = headerValue(random, i);
				int status = get(port, value);
				statuses.merge(status, 1, Integer::sum);
				assertThat(status).as("case %d, header bytes %s", i, printable(value)).isLessThan(500);
				if (status == 200 && isPlainTenant(value)) {
					expected.merge(new String(value, StandardCharsets.ISO_8859_1).trim(), 1, Integer::sum);
				}
			}
			assertThat(context.getBean(BufferedLedgerWriter.class).flush(Duration.ofMinutes(1))).isTrue();

			JdbcTemplate jdbc = new JdbcTemplate(context.getBean(DataSource.class));
			List<String> tenants = jdbc.queryForList("select tenant_id from metering_usage_event", String.class);
			Map<String, Integer> recorded = new HashMap<>();
			tenants.forEach((tenant) -> recorded.merge(tenant, 1, Integer::sum));
			UsageEventValidator validator = new UsageEventValidator(Clock.systemUTC(), Duration.ofDays(35),
					new java.math.BigDecimal("1e12"));
			for (String tenant : recorded.keySet()) {
				assertThatNoException().as("row tenant %s", tenant)
					.isThrownBy(() -> validator.validate(UsageEvent.builder(tenant, "http.requests").build()));
			}
			// Every plain tenant once per answered request; other rows only for headers Tomcat passed on.
			expected.forEach((tenant, count) -> assertThat(recorded.get(tenant)).as(tenant).isEqualTo(count));
			assertThat(statuses.getOrDefault(200, 0)).as("statuses %s", statuses).isGreaterThan(CASES / 2);
			assertThat(tenants.size()).isLessThanOrEqualTo(statuses.getOrDefault(200, 0));
		}
	}

	/** Printable ASCII, no leading/trailing blanks inside, 1..128 characters after trimming. */
	private static boolean isPlainTenant(byte[] value) {
		String text = new String(value, StandardCharsets.ISO_8859_1).trim();
		if (text.isEmpty() || text.length() > UsageEventValidator.MAX_ID_LENGTH) {
			return false;
		}
		for (byte b : value) {
			if (b < 0x20 || b > 0x7e) {
				return false;
			}
		}
		return true;
	}

	private static byte[] headerValue(Random random, int index) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.writeBytes(("fz" + index + "-").getBytes(StandardCharsets.US_ASCII));
		int pieces = random.nextInt(4);
		for (int p = 0; p < pieces; p++) {
			switch (random.nextInt(7)) {
				case 0 -> out.write(random.nextInt(0x20));
				case 1 -> out.write(0x80 + random.nextInt(0x80)); // not UTF-8 on its own
				case 2 -> out.writeBytes("\u00e9\u4e2d\ud83d\ude00".getBytes(StandardCharsets.UTF_8));
				case 3 -> out.writeBytes("x".repeat(random.nextInt(10) == 0 ? 10_000 : 60).getBytes());
				case 4 -> out.writeBytes("  ".getBytes());
				case 5 -> out.write(0x7f);
				default -> out.writeBytes("acme".getBytes());
			}
		}
		return out.toByteArray();
	}

	private static int get(int port, byte[] tenant) throws IOException {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout(30_000);
			OutputStream out = socket.getOutputStream();
			try {
				out.write("GET /api/ping HTTP/1.1\r\nHost: localhost\r\nX-Tenant-Id: "
					.getBytes(StandardCharsets.US_ASCII));
				out.write(tenant);
				out.write("\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
				out.flush();
			}
			catch (IOException ex) {
				// Tomcat refused the header and closed the connection before it was all sent.
			}
			InputStream in = socket.getInputStream();
			byte[] head;
			try {
				head = in.readNBytes(12);
			}
			catch (IOException ex) {
				return 400;
			}
			String statusLine = new String(head, StandardCharsets.US_ASCII);
			if (!statusLine.startsWith("HTTP/1.1 ")) {
				// Tomcat closed the connection on a malformed request without a status: not a kit failure.
				return 400;
			}
			return Integer.parseInt(statusLine.substring(9, 12));
		}
	}

	private static String printable(byte[] value) {
		StringBuilder out = new StringBuilder();
		for (int i = 0; i < Math.min(value.length, 80); i++) {
			out.append(String.format("%02x", value[i]));
		}
		return out + ((value.length > 80) ? "... (" + value.length + " bytes)" : "");
	}

}
