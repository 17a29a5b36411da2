package dev.metering.api;

import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.metering.autoconfigure.MeteringEntitlementAutoConfiguration;
import dev.metering.test.TestDatabase;
import dev.metering.test.TestSchema;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.context.ApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The committed OpenAPI 3.1 description stays true: the application serves it (without
 * credentials) with its base path as the server, and it lists exactly the routes the usage API's
 * controllers map, each with the path and query parameters and the request content types the
 * handler takes, every {@code $ref} resolving.
 */
class UsageApiDescriptionTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final Set<Class<?>> API = Set.of(UsageApiController.class, CloudEventsController.class,
			UsageApiDescriptionController.class, EntitlementsApiController.class,
			EventCorrectionsController.class, InvoiceApiController.class);

	@Test
	void theDescriptionListsExactlyTheMappedRoutesTheirParametersAndContentTypes() {
		try (TestSchema schema = TestDatabase.H2.newSchema()) {
			CloudEventsFixture.runner(schema)
				.withConfiguration(AutoConfigurations.of(MeteringEntitlementAutoConfiguration.class))
				.withPropertyValues("metering.api.base-path=/metering-api")
				.run((context) -> {
				JsonNode served = served(context, "/metering-api/openapi.json");
				assertThat(served.get("openapi").stringValue()).isEqualTo("3.1.0");
				assertThat(served.get("servers").get(0).get("url").stringValue()).isEqualTo("/metering-api");
				Map<String, Operation> mapped = mapped(context, "/metering-api");
				Map<String, Operation> described = described(served);
				assertThat(described.keySet()).isEqualTo(mapped.keySet());
				mapped.forEach((route, operation) -> assertThat(described.get(route)).as(route).isEqualTo(operation));
			});
		}
	}

	@Test
	void usageFilterIsDescribed() {
		JsonNode parameters = UsageApiDescriptionController.load().get("paths").get("/usage/{tenant}/{metric}")
			.get("get").get("parameters");
		List<String> deepObjects = new ArrayList<>();
		for (JsonNode parameter : parameters) {
			if (parameter.has("style") && "deepObject".equals(parameter.get("style").stringValue())) {
				deepObjects.add(parameter.get("in").stringValue() + " " + parameter.get("name").stringValue());
			}
		}
		assertThat(deepObjects).containsExactly("query filter");
	}

	@Test
	void everyReferenceResolves() {
		JsonNode document = UsageApiDescriptionController.load();
		List<String> references = new ArrayList<>();
		collectReferences(document, references);
		assertThat(references).isNotEmpty();
		for (String reference : references) {
			assertThat(reference).startsWith("#/components/schemas/");
			assertThat(document.at(reference.substring(1)).isObject()).as(reference).isTrue();
		}
	}

	private static JsonNode served(ApplicationContext context, String path) throws Exception {
		String body = MockMvcBuilders.webAppContextSetup((WebApplicationContext) context)
			.build()
			.perform(get(path))
			.andExpect(status().isOk())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
			.andReturn()
			.getResponse()
			.getContentAsString();
		return JSON.readTree(body);
	}

	/** "POST /events" to what its handlers take, merged over the handlers of one route. */
	private static Map<String, Operation> mapped(ApplicationContext context, String basePath) {
		Map<String, Operation> routes = new TreeMap<>();
		RequestMappingHandlerMapping mapping = context.getBean("requestMappingHandlerMapping",
				RequestMappingHandlerMapping.class);
		for (Map.Entry<RequestMappingInfo, HandlerMethod> handler : mapping.getHandlerMethods().entrySet()) {
			if (!API.contains(handler.getValue().getBeanType())) {
				continue;
			}
			RequestMappingInfo info = handler.getKey();
			Method method = handler.getValue().getMethod();
			Set<String> query = new TreeSet<>();
			Set<String> path = new TreeSet<>();
			for (Parameter parameter : method.getParameters()) {
				RequestParam param = parameter.getAnnotation(RequestParam.class);
				if (param != null) {
					query.add(!param.name().isEmpty() ? param.name() : !param.value().isEmpty() ? param.value()
							: parameter.getName());
				}
				PathVariable variable = parameter.getAnnotation(PathVariable.class);
				if (variable != null) {
					path.add(!variable.name().isEmpty() ? variable.name() : !variable.value().isEmpty()
							? variable.value() : parameter.getName());
				}
			}
			Set<String> consumes = new TreeSet<>();
			info.getConsumesCondition().getConsumableMediaTypes().forEach((type) -> consumes.add(type.toString()));
			for (String pattern : info.getPatternValues()) {
				assertThat(pattern).startsWith(basePath);
				for (var verb : info.getMethodsCondition().getMethods()) {
					String route = verb.name() + " " + pattern.substring(basePath.length());
					// A POST handler without consumes takes any type: the kit's reads JSON.
					Operation operation = new Operation(path, query, (consumes.isEmpty() && verb.name().equals("POST"))
							? Set.of(MediaType.APPLICATION_JSON_VALUE) : consumes);
					routes.merge(route, operation, Operation::merge);
				}
			}
		}
		return routes;
	}

	private static Map<String, Operation> described(JsonNode document) {
		Map<String, Operation> routes = new TreeMap<>();
		for (Map.Entry<String, JsonNode> path : document.get("paths").properties()) {
			for (Map.Entry<String, JsonNode> verb : path.getValue().properties()) {
				Set<String> query = new TreeSet<>();
				Set<String> pathParameters = new TreeSet<>();
				JsonNode parameters = verb.getValue().get("parameters");
				if (parameters != null) {
					for (JsonNode parameter : parameters) {
						// filter[<dimension>] is read from the request's parameter map, not bound by
						// name: the mapped side cannot list it (usageFilterIsDescribed checks it).
						if (parameter.has("style") && "deepObject".equals(parameter.get("style").stringValue())) {
							continue;
						}
						("path".equals(parameter.get("in").stringValue()) ? pathParameters : query)
							.add(parameter.get("name").stringValue());
					}
				}
				Set<String> consumes = new TreeSet<>();
				JsonNode body = verb.getValue().get("requestBody");
				if (body != null) {
					body.get("content").propertyNames().forEach(consumes::add);
				}
				routes.put(verb.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey(),
						new Operation(pathParameters, query, consumes));
			}
		}
		return routes;
	}

	private static void collectReferences(JsonNode node, List<String> references) {
		if (node.isObject()) {
			JsonNode reference = node.get("$ref");
			if (reference != null) {
				references.add(reference.stringValue());
			}
		}
		for (JsonNode child : node) {
			collectReferences(child, references);
		}
	}

	/** What an operation takes: path parameters, query parameters, request content types. */
	private record Operation(Set<String> path, Set<String> query, Set<String> consumes) {

		Operation {
			consumes = new TreeSet<>(consumes);
		}

		Operation merge(Operation other) {
			Set<String> types = new TreeSet<>(this.consumes);
			types.addAll(other.consumes);
			return new Operation(this.path, this.query, types);
		}

	}

}
