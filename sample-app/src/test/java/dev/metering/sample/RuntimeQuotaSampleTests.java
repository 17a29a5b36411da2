package dev.metering.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample app started as the README says to turn the admin API on (profile {@code admin}, a
 * key of one's own in {@code METERING_ADMIN_KEY}): cutting a tenant to 0 denies its next request;
 * the metering endpoint, behind the same key, and health show it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "spring.profiles.active=admin", "METERING_ADMIN_KEY=" + RuntimeQuotaSampleTests.KEY })
class RuntimeQuotaSampleTests {

	static final String KEY = "a-key-of-the-operators-own-0123";

	private static final String TENANT = "runtime-sample";

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Autowired
	private JdbcTemplate jdbc;

	@AfterEach
	void forgetTheTenant() {
		this.jdbc.update("DELETE FROM metering_tenant_quota WHERE tenant_id = ?", TENANT);
		this.jdbc.update("DELETE FROM metering_tenant WHERE tenant_id = ?", TENANT);
	}

	@Test
	void cuttingATenantToZeroThroughTheAdminApiDeniesItsNextRequest() throws Exception {
		assertThat(send(get("/api/ping")).statusCode()).isEqualTo(200);
		HttpResponse<String> cut = send(HttpRequest.newBuilder(uri("/metering/admin/tenants/" + TENANT + "/quotas"))
			.header("X-Metering-Admin-Key", KEY)
			.header("Content-Type", "application/json")
			.PUT(HttpRequest.BodyPublishers.ofString("{\"meter\":\"http.requests\",\"window\":\"day\",\"limit\":0}")));
		assertThat(cut.statusCode()).isEqualTo(200);
		assertThat(cut.body()).contains("\"origin\":\"database\"");

		HttpResponse<String> denied = send(get("/api/ping"));
		assertThat(denied.statusCode()).isEqualTo(429);
		assertThat(denied.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/problem+json"));
	}

	@Test
	void theAdminApiRefusesCallersWithoutTheKey() throws Exception {
		HttpResponse<String> refused = send(HttpRequest.newBuilder(uri("/metering/admin/tenants/" + TENANT + "/quotas"))
			.header("Content-Type", "application/json")
			.PUT(HttpRequest.BodyPublishers.ofString("{\"meter\":\"http.requests\",\"window\":\"day\",\"limit\":0}")));
		assertThat(refused.statusCode()).isEqualTo(401);
		assertThat(this.jdbc.queryForObject("SELECT COUNT(*) FROM metering_tenant_quota WHERE tenant_id = ?",
				Integer.class, TENANT)).isZero();
	}

	@Test
	void actuatorShowsTheTenantsQuotasAndTheKitsHealth() throws Exception {
		for (String path : new String[] { "/actuator/metering", "/actuator/metering/demo-free" }) {
			assertThat(send(HttpRequest.newBuilder(uri(path)).GET()).statusCode()).as(path).isEqualTo(401);
			assertThat(send(HttpRequest.newBuilder(uri(path)).header("X-Metering-Admin-Key", "wrong").GET())
				.statusCode()).as(path).isEqualTo(401);
		}
		HttpResponse<String> quotas = send(
				HttpRequest.newBuilder(uri("/actuator/metering/demo-free")).header("X-Metering-Admin-Key", KEY).GET());
		assertThat(quotas.statusCode()).isEqualTo(200);
		assertThat(quotas.body()).contains("\"plan\":\"free\"", "\"origin\":\"CONFIGURATION\"", "\"remaining\"");
		HttpResponse<String> state = send(
				HttpRequest.newBuilder(uri("/actuator/metering")).header("X-Metering-Admin-Key", KEY).GET());
		assertThat(state.body()).contains("\"writer\"", "\"rollup\"", "\"transport\":\"in-process\"");
		HttpResponse<String> health = send(HttpRequest.newBuilder(uri("/actuator/health")).GET());
		assertThat(health.body()).containsPattern(
				"\"metering\":\\{\"details\":\\{\"ledgerWritable\":true,[^}]*\"bus\":\\{[^}]*\\}\\},\"status\":\"UP\"");
	}

	private HttpRequest.Builder get(String path) {
		return HttpRequest.newBuilder(uri(path)).header("X-Tenant-Id", TENANT).GET();
	}

	private URI uri(String path) {
		return URI.create("http://localhost:" + this.port + path);
	}

	private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

}
