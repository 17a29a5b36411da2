package dev.metering.sample;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * Projects of a tenant, kept in memory: the business side of the sample. Every call is metered
 * by the kit's filter under the route template, e.g. {@code GET /api/projects/{id}}.
 */
@RestController
@RequestMapping("/api/projects")
class ProjectController {

	private final Map<Long, Project> projects = new ConcurrentHashMap<>();

	private final AtomicLong ids = new AtomicLong();

	@GetMapping
	List<Project> list(@RequestHeader(name = "X-Tenant-Id", required = false) String tenant) {
		return this.projects.values().stream().filter((p) -> p.tenantId().equals(tenant)).toList();
	}

	@GetMapping("/{id}")
	Project get(@PathVariable long id) {
		Project project = this.projects.get(id);
		if (project == null) {
			// A sample app answers every id so load tests need no set-up.
			return new Project(id, "", "project-" + id);
		}
		return project;
	}

	@PostMapping
	@ResponseStatus(HttpStatus.CREATED)
	Project create(@RequestHeader(name = "X-Tenant-Id", required = false) String tenant,
			@RequestBody Map<String, String> body) {
		String name = body.get("name");
		if (name == null || name.isBlank()) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "name is required");
		}
		Project project = new Project(this.ids.incrementAndGet(), (tenant != null) ? tenant : "", name);
		this.projects.put(project.id(), project);
		return project;
	}

	@DeleteMapping("/{id}")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	void delete(@PathVariable long id) {
		this.projects.remove(id);
	}

}
