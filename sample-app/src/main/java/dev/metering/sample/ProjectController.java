package dev.metering.sample;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.http.HttpServletRequest;

import dev.metering.tenant.TenantResolver;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * Projects of a tenant, kept in memory: the business side of the sample. Every call is metered
 * by the kit's filter under the route template, e.g. {@code GET /api/projects/{id}}.
 * <p>
 * Every call is scoped to the caller's tenant, told by the kit's {@link TenantResolver}: the
 * same tenant the kit meters and enforces quotas for. A project of another tenant is answered
 * as missing (404), so an id does not even tell whether it exists.
 */
@RestController
@RequestMapping("/api/projects")
class ProjectController {

	private final Map<Long, Project> projects = new ConcurrentHashMap<>();

	private final AtomicLong ids = new AtomicLong();

	/** Absent with {@code metering.enabled=false} (the load harness's "kit off"). */
	private final ObjectProvider<TenantResolver> tenants;

	ProjectController(ObjectProvider<TenantResolver> tenants) {
		this.tenants = tenants;
	}

	@GetMapping
	List<Project> list(HttpServletRequest request) {
		String tenant = tenantOf(request);
		return this.projects.values().stream().filter((p) -> p.tenantId().equals(tenant)).toList();
	}

	@GetMapping("/{id}")
	Project get(HttpServletRequest request, @PathVariable long id) {
		return find(tenantOf(request), id);
	}

	@PostMapping
	@ResponseStatus(HttpStatus.CREATED)
	Project create(HttpServletRequest request, @RequestBody Map<String, String> body) {
		String tenant = tenantOf(request);
		String name = body.get("name");
		if (name == null || name.isBlank()) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "name is required");
		}
		Project project = new Project(this.ids.incrementAndGet(), tenant, name);
		this.projects.put(project.id(), project);
		return project;
	}

	@DeleteMapping("/{id}")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	void delete(HttpServletRequest request, @PathVariable long id) {
		Project project = find(tenantOf(request), id);
		// Removes only the project just found: never one another tenant put under the same id.
		this.projects.remove(id, project);
	}

	private Project find(String tenant, long id) {
		Project project = this.projects.get(id);
		if (project == null || !project.tenantId().equals(tenant)) {
			throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no project " + id);
		}
		return project;
	}

	private String tenantOf(HttpServletRequest request) {
		TenantResolver resolver = this.tenants.getIfAvailable();
		String tenant = (resolver != null) ? resolver.resolveTenant(request) : null;
		if (tenant == null || tenant.isBlank()) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "the request has no tenant");
		}
		return tenant;
	}

}
