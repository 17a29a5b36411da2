package dev.metering.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Projects are scoped to the caller's tenant: another tenant can neither read nor delete them,
 * nor tell that they exist.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ProjectControllerTests {

	private static final Pattern ID = Pattern.compile("\"id\":(\\d+)");

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	private int port;

	@Test
	void anotherTenantCannotReadAProject() throws Exception {
		long id = create("acme", "roadmap");

		assertThat(send("globex", "GET", "/api/projects/" + id).statusCode()).isEqualTo(404);
		assertThat(send("globex", "GET", "/api/projects").body()).doesNotContain("roadmap");

		HttpResponse<String> own = send("acme", "GET", "/api/projects/" + id);
		assertThat(own.statusCode()).isEqualTo(200);
		assertThat(own.body()).contains("\"tenantId\":\"acme\"").contains("roadmap");
		assertThat(send("acme", "GET", "/api/projects").body()).contains("roadmap");
	}

	@Test
	void anotherTenantCannotDeleteAProject() throws Exception {
		long id = create("acme", "budget");

		assertThat(send("globex", "DELETE", "/api/projects/" + id).statusCode()).isEqualTo(404);
		assertThat(send("acme", "GET", "/api/projects/" + id).statusCode()).isEqualTo(200);

		assertThat(send("acme", "DELETE", "/api/projects/" + id).statusCode()).isEqualTo(204);
		assertThat(send("acme", "GET", "/api/projects/" + id).statusCode()).isEqualTo(404);
	}

	@Test
	void anotherTenantsProjectLooksLikeAMissingOne() throws Exception {
		long id = create("acme", "secret");

		HttpResponse<String> foreign = send("globex", "GET", "/api/projects/" + id);
		HttpResponse<String> missing = send("globex", "GET", "/api/projects/" + (id + 1_000_000));
		assertThat(foreign.statusCode()).isEqualTo(missing.statusCode()).isEqualTo(404);
		assertThat(foreign.body()).doesNotContain("secret");
	}

	@Test
	void aRequestWithoutATenantIsRefused() throws Exception {
		long id = create("acme", "plan");

		assertThat(send(null, "GET", "/api/projects/" + id).statusCode()).isEqualTo(400);
		assertThat(send(null, "DELETE", "/api/projects/" + id).statusCode()).isEqualTo(400);
		assertThat(send("acme", "GET", "/api/projects/" + id).statusCode()).isEqualTo(200);
	}

	private long create(String tenant, String name) throws Exception {
		HttpResponse<String> created = this.http.send(request(tenant, "/api/projects")
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\"}"))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(created.statusCode()).isEqualTo(201);
		Matcher id = ID.matcher(created.body());
		assertThat(id.find()).as(created.body()).isTrue();
		return Long.parseLong(id.group(1));
	}

	private HttpResponse<String> send(String tenant, String method, String path) throws Exception {
		return this.http.send(request(tenant, path).method(method, HttpRequest.BodyPublishers.noBody()).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private HttpRequest.Builder request(String tenant, String path) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path));
		return (tenant != null) ? request.header("X-Tenant-Id", tenant) : request;
	}

}
