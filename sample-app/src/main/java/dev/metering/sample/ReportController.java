package dev.metering.sample;

import java.util.Map;

import dev.metering.operation.Metered;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Reports are billed by the page: {@code @Metered} records the page count of each report and
 * refuses, with a 429, a report that would pass the tenant's monthly page quota.
 */
@RestController
class ReportController {

	@Metered(meter = "reports.pages", quantity = "#request.pages()", name = "reports.generate")
	@PostMapping("/api/reports")
	@ResponseStatus(HttpStatus.CREATED)
	public Map<String, Object> generate(@RequestBody ReportRequest request) {
		return Map.of("title", request.title(), "pages", request.pages(), "status", "generated");
	}

	/**
	 * A report to generate.
	 *
	 * @param title the title
	 * @param pages how many pages it has
	 */
	record ReportRequest(String title, int pages) {
	}

}
