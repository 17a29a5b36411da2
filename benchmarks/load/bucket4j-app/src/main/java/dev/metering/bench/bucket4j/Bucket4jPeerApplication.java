package dev.metering.bench.bucket4j;

import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The sample's ping endpoint behind bucket4j-spring-boot-starter's servlet filter: one in-memory
 * bucket per tenant (the X-Tenant-Id header), checked on every request, storing nothing.
 */
@SpringBootApplication
@EnableCaching
@RestController
public class Bucket4jPeerApplication {

	public static void main(String[] args) {
		SpringApplication.run(Bucket4jPeerApplication.class, args);
	}

	@GetMapping("/api/ping")
	Map<String, String> ping() {
		return Map.of("status", "ok");
	}

}
