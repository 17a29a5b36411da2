package dev.metering.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import dev.metering.ledger.BufferedLedgerWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With forwarded headers applied (Spring's ForwardedHeaderFilter, or Tomcat's RemoteIpValve,
 * which by default believes them from 127.0.0.1 too) and only 10.0.0.0/8 trusted to name the
 * tenant, a client at 127.0.0.1 that claims to be 10.9.9.9 in X-Forwarded-For or Forwarded is
 * neither limited nor metered as the tenant its header names: the address the kit checks is the
 * connection's peer, which no client can set.
 */
@SpringBootTest(classes = ForwardedHeaderTrustTests.TestApplication.class,
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "spring.datasource.url=jdbc:h2:mem:forwarded-header-trust;DB_CLOSE_DELAY=-1",
				"metering.web.tenant-source=header", "metering.web.trusted-proxies=10.0.0.0/8",
				"metering.writer.flush-interval=10ms", "metering.rollup.enabled=false",
				"metering.tenants.demo-free.plan=free", "metering.plans.free.quotas[0].meter=http.requests",
				"metering.plans.free.quotas[0].limit=0", "metering.plans.free.quotas[0].window=day" })
class ForwardedHeaderTrustTests {

	@Nested
	@TestPropertySource(properties = "server.forward-headers-strategy=framework")
	class SpringForwardedHeaderFilter extends Cases {

	}

	@Nested
	@TestPropertySource(properties = "server.forward-headers-strategy=native")
	class TomcatRemoteIpValve extends Cases {

	}

	abstract static class Cases {

		private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

		@LocalServerPort
		private int port;

		@Autowired
		private BufferedLedgerWriter writer;

		@Autowired
		private JdbcTemplate jdbc;

		@BeforeEach
		void clean() {
			this.jdbc.update("DELETE FROM metering_usage_event");
		}

		@Test
		void aClientClaimingATrustedAddressIsNotTakenForTheTenantItNames() throws Exception {
			for (int i = 0; i < 20; i++) {
				HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/ping"))
					.header("X-Tenant-Id", "demo-free");
				request = (i % 2 == 0) ? request.header("X-Forwarded-For", "10.9.9.9")
						: request.header("Forwarded", "for=10.9.9.9");
				HttpResponse<String> response = this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
				// demo-free's limit is 0 requests a day: a 429 would mean the header was believed.
				assertThat(response.statusCode()).isEqualTo(200);
				assertThat(response.headers().firstValue("RateLimit-Policy")).isEmpty();
			}
			assertThat(this.writer.flush(Duration.ofSeconds(10))).isTrue();
			assertThat(this.jdbc.queryForObject(
					"SELECT COUNT(*) FROM metering_usage_event WHERE tenant_id = 'demo-free'", Long.class))
				.isZero();
		}

	}

	@SpringBootApplication
	@RestController
	static class TestApplication {

		@GetMapping("/ping")
		String ping() {
			return "pong";
		}

	}

}
