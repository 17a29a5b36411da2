package dev.metering.api;

import java.io.IOException;
import java.io.InputStream;

import jakarta.servlet.http.HttpServletRequest;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Serves the OpenAPI 3.1 description of the usage API at {@code GET <base-path>/openapi.json},
 * to anyone (it describes the routes, it holds no data). The description is a document
 * committed with the kit ({@value #DOCUMENT}), kept true by a test that compares it with the
 * routes the application maps; its server is this application's base path.
 */
@RestController
@RequestMapping("${metering.api.base-path:/api}")
public class UsageApiDescriptionController {

	static final String DOCUMENT = "dev/metering/api/openapi.json";

	private static final JsonMapper MAPPER = JsonMapper.builder().build();

	private final ObjectNode description;

	private final String basePath;

	/**
	 * The description of the API mounted at a base path.
	 * @param basePath {@code metering.api.base-path}
	 */
	public UsageApiDescriptionController(String basePath) {
		this.basePath = basePath;
		this.description = load();
	}

	static ObjectNode load() {
		try (InputStream in = new ClassPathResource(DOCUMENT, UsageApiDescriptionController.class.getClassLoader())
			.getInputStream()) {
			return (ObjectNode) MAPPER.readTree(in);
		}
		catch (IOException ex) {
			throw new IllegalStateException("The kit's jar lacks " + DOCUMENT, ex);
		}
	}

	/** The description, its server the base path under this application's context path. */
	@GetMapping(path = "/openapi.json", produces = MediaType.APPLICATION_JSON_VALUE)
	ObjectNode openApi(HttpServletRequest request) {
		ObjectNode answer = this.description.deepCopy();
		answer.putArray("servers").addObject().put("url", request.getContextPath() + this.basePath);
		return answer;
	}

}
