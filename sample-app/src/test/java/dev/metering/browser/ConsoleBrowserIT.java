package dev.metering.browser;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console in headless Chromium against the packaged sample app: log in with the admin key,
 * open a tenant, see the usage chart drawn with the usage API's figures, change a quota in the
 * form and see the gauge and the audit row change, a refused input change nothing, a tenant view
 * refused another tenant (403 page), the page usable at 360 px and by keyboard. No request may
 * leave for another host. Screenshots of each page go to {@code target/console-browser/}.
 */
class ConsoleBrowserIT {

	private static final String KEY = "browser-test-admin-key-0123456789";

	private static final Path SCREENSHOTS = Path.of("target", "console-browser");

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

	@Test
	void anOperatorAndATenantUseTheConsoleInARealBrowser() throws Exception {
		try (HeadlessChromium chromium = HeadlessChromium.start(SCREENSHOTS);
				PackagedSampleApp app = new PackagedSampleApp("console-on",
						List.of("spring.datasource.url=jdbc:h2:mem:console-browser;DB_CLOSE_DELAY=-1",
								"metering.admin.web.enabled=true", "metering.admin.web.api-key=" + KEY,
								"metering.console.enabled=true", "metering.writer.flush-interval=100ms"))) {
			WebDriver browser = chromium.driver;
			recordUsage(app);

			browser.get(app.url("/metering/console"));
			assertThat(browser.getCurrentUrl()).endsWith("/metering/console/login");
			chromium.screenshot("01-login");
			browser.findElement(By.name("key")).sendKeys("not-the-key-at-all-000");
			submit(browser, By.cssSelector("form button[type=submit]"));
			assertThat(browser.findElement(By.cssSelector("p.error")).getText()).contains("not the admin key");
			browser.findElement(By.name("key")).sendKeys(KEY);
			submit(browser, By.cssSelector("main form button[type=submit]"));
			assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Overview");
			assertThat(browser.findElement(By.cssSelector("dl.health[data-part=writer]")).getText()).contains("written");
			chromium.screenshot("02-overview");

			browser.findElement(By.name("tenant")).sendKeys("demo-free");
			submit(browser, By.cssSelector("main form.inline button[type=submit]"));
			assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Tenant demo-free");
			new Select(browser.findElement(By.name("meter"))).selectByVisibleText("reports.pages");
			submit(browser, By.cssSelector("form.inline button[type=submit]"));
			assertThat(chartBars(browser)).as("the chart's bars are the usage API's buckets")
				.isEqualTo(apiBuckets(app, "demo-free", "reports.pages"));
			assertThat(chartBars(browser).values().stream().reduce(BigDecimal.ZERO, BigDecimal::add))
				.isEqualByComparingTo("95");
			assertThat(browser.findElement(By.cssSelector("section[aria-labelledby=top-h] table")).getText())
				.contains("alice", "80", "bob", "15");
			assertThat(browser.findElement(By.cssSelector("section[aria-labelledby=bill-h] .subtotal")).getText())
				.contains("4.5", "EUR");
			chromium.screenshot("03-tenant-usage");

			WebElement gauge = gauge(browser, "http.requests", "day");
			assertThat(gauge.getAttribute("data-limit")).isEqualTo("100");
			assertThat(gauge.getAttribute("data-used")).isEqualTo("7");
			changeQuota(browser, "http.requests", "day", "not-a-number");
			assertThat(browser.findElement(By.cssSelector("p.error .field")).getText()).isEqualTo("limit");
			chromium.screenshot("04-refused-input");
			browser.get(app.url("/metering/console/tenants/demo-free"));
			assertThat(gauge(browser, "http.requests", "day").getAttribute("data-limit")).as("nothing changed")
				.isEqualTo("100");

			changeQuota(browser, "http.requests", "day", "250");
			WebElement changed = gauge(browser, "http.requests", "day");
			assertThat(changed.getAttribute("data-limit")).isEqualTo("250");
			assertThat(changed.getAttribute("data-used")).isEqualTo("7");
			assertThat(browser.findElements(By.cssSelector(".gauge[data-meter='http.requests']"))).hasSize(1);
			WebElement audit = browser.findElement(By.cssSelector("table.audit tbody tr"));
			assertThat(audit.getText()).contains("put-tenant-quota", "tenant:demo-free/http.requests/day", "limit=250");
			chromium.screenshot("05-quota-changed");

			submit(browser, By.linkText("Audit log"));
			assertThat(browser.findElement(By.cssSelector("table.audit")).getText()).contains("limit=250");
			chromium.screenshot("06-audit");

			browser.get(app.url("/metering/console/tenants/acme-web"));
			assertThat(browser.findElement(By.cssSelector("ul.tree")).getText()).contains("acme-corp", "acme-web",
					"billed to acme-corp", "acme-mobile");
			chromium.screenshot("07-hierarchy");

			keyboardReachesTheQuotaForm(browser, app);
			narrowScreen(chromium, app);

			browser.get(app.url("/metering/console/tenants/demo-free"));
			submit(browser, By.cssSelector("section[aria-labelledby=as-h] button"));
			assertThat(browser.findElement(By.cssSelector("header nav")).getText()).contains("Tenant view: demo-free");
			assertThat(browser.findElements(By.cssSelector("form[action$='/quota']"))).isEmpty();
			chromium.screenshot("09-tenant-view");
			browser.get(app.url("/metering/console/tenants/demo-pro"));
			assertThat(browser.findElement(By.cssSelector("p.error")).getAttribute("data-status")).isEqualTo("403");
			assertThat(browser.findElement(By.tagName("h1")).getText()).startsWith("403");
			chromium.screenshot("10-tenant-view-403");
			browser.get(app.url("/metering/console/audit"));
			assertThat(browser.findElement(By.cssSelector("p.error")).getAttribute("data-status")).isEqualTo("403");

			assertThat(chromium.requestedUrls()).as("the performance log saw the pages").isNotEmpty();
			assertThat(chromium.requestsElsewhere("127.0.0.1:" + app.port)).as("requests to another host").isEmpty();
			// The check sees a request elsewhere when there is one (another loopback address: nothing leaves).
			browser.get("data:text/html,<img src='http://127.0.0.2:9/pixel.png' alt=''>");
			assertThat(chromium.requestsElsewhere("127.0.0.1:" + app.port)).contains("http://127.0.0.2:9/pixel.png");
			scriptsGetTheSameRule(app);
		}
	}

	@Test
	void withTheConsoleOffItsRoutesAnswer404AndNoAssetIsServed() throws Exception {
		try (PackagedSampleApp app = new PackagedSampleApp("console-off",
				List.of("spring.datasource.url=jdbc:h2:mem:console-off;DB_CLOSE_DELAY=-1",
						"metering.admin.web.enabled=true", "metering.admin.web.api-key=" + KEY))) {
			for (String path : List.of("/metering/console", "/metering/console/login",
					"/metering/console/tenants/demo-free", "/metering/console/assets/console.css")) {
				HttpResponse<String> answer = get(app.url(path), KEY);
				assertThat(answer.statusCode()).as(path).isEqualTo(404);
				assertThat(answer.body()).as(path).doesNotContain("Metering console", "--bar");
			}
		}
	}

	private void recordUsage(PackagedSampleApp app) throws Exception {
		for (int i = 0; i < 7; i++) {
			HttpResponse<String> ping = this.http.send(HttpRequest.newBuilder(URI.create(app.url("/api/ping")))
				.header("X-Tenant-Id", "demo-free")
				.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(ping.statusCode()).isEqualTo(200);
		}
		String events = "[{\"tenant_id\":\"demo-free\",\"metric\":\"reports.pages\",\"quantity\":80,\"user_id\":\"alice\"},"
				+ "{\"tenant_id\":\"demo-free\",\"metric\":\"reports.pages\",\"quantity\":15,\"user_id\":\"bob\"}]";
		HttpResponse<String> posted = this.http.send(HttpRequest.newBuilder(URI.create(app.url("/api/events")))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(events))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(posted.statusCode()).isEqualTo(201);
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (total(app, "demo-free", "reports.pages").compareTo(BigDecimal.valueOf(95)) != 0
				|| total(app, "demo-free", "http.requests").compareTo(BigDecimal.valueOf(7)) != 0) {
			assertThat(System.nanoTime()).as("the writer wrote the usage within 30 s").isLessThan(deadline);
			Thread.sleep(100);
		}
	}

	private BigDecimal total(PackagedSampleApp app, String tenant, String meter) throws Exception {
		return JSON.readTree(get(app.url("/api/usage/" + tenant + "/" + meter), null).body()).path("total").decimalValue();
	}

	/** The usage API's buckets of the current month per day: what the chart must draw. */
	private Map<String, BigDecimal> apiBuckets(PackagedSampleApp app, String tenant, String meter) throws Exception {
		JsonNode summary = JSON.readTree(get(app.url("/api/usage/" + tenant + "/" + meter + "?granularity=day"), null).body());
		Map<String, BigDecimal> buckets = new LinkedHashMap<>();
		for (JsonNode bucket : summary.path("usage")) {
			buckets.put(bucket.path("start").asString(), bucket.path("quantity").decimalValue().stripTrailingZeros());
		}
		assertThat(buckets).hasSizeGreaterThanOrEqualTo(28);
		return buckets;
	}

	private static Map<String, BigDecimal> chartBars(WebDriver browser) {
		Map<String, BigDecimal> bars = new LinkedHashMap<>();
		for (WebElement bar : browser.findElements(By.cssSelector("svg.chart rect.bar"))) {
			bars.merge(bar.getAttribute("data-start"), new BigDecimal(bar.getAttribute("data-value")), BigDecimal::add);
		}
		bars.replaceAll((start, value) -> value.stripTrailingZeros());
		return bars;
	}

	/**
	 * Clicks what submits a form or follows a link, and waits for the next page: a mark set on the old
	 * page's window is gone and the new document is loaded. Not {@code stalenessOf}: asking whether an
	 * element is stale while Chromium swaps documents fails now and then with "Node with given id does
	 * not belong to the document" instead of answering stale; here any error while the page is swapped
	 * is only a reason to ask again.
	 */
	private static void submit(WebDriver browser, By control) {
		JavascriptExecutor script = (JavascriptExecutor) browser;
		script.executeScript("window.meteringPageBeforeSubmit = true;");
		browser.findElement(control).click();
		new WebDriverWait(browser, Duration.ofSeconds(20)).ignoring(WebDriverException.class)
			.until((driver) -> Boolean.TRUE.equals(script.executeScript(
					"return window.meteringPageBeforeSubmit !== true && document.readyState === 'complete';")));
	}

	private static WebElement gauge(WebDriver browser, String meter, String window) {
		return browser.findElement(By.cssSelector(".gauge[data-meter='" + meter + "'][data-window='" + window + "']"));
	}

	private static void changeQuota(WebDriver browser, String meter, String window, String limit) {
		WebElement form = browser.findElement(By.cssSelector("form[action$='/quota']"));
		WebElement meterField = form.findElement(By.name("meter"));
		meterField.clear();
		meterField.sendKeys(meter);
		new Select(form.findElement(By.name("window"))).selectByVisibleText(window);
		form.findElement(By.name("limit")).sendKeys(limit);
		new Select(form.findElement(By.name("enforcement"))).selectByVisibleText("hard");
		submit(browser, By.cssSelector("form[action$='/quota'] button[type=submit]"));
	}

	/** Tab from the top of the page until the limit field has the focus: every control on the way is reachable. */
	private static void keyboardReachesTheQuotaForm(WebDriver browser, PackagedSampleApp app) {
		browser.get(app.url("/metering/console/tenants/demo-free"));
		WebElement body = browser.findElement(By.tagName("body"));
		body.sendKeys(Keys.TAB);
		for (int i = 0; i < 60; i++) {
			WebElement focused = browser.switchTo().activeElement();
			if ("limit".equals(focused.getAttribute("name"))) {
				return;
			}
			focused.sendKeys(Keys.TAB);
		}
		throw new AssertionError("60 tabs did not reach the quota form's limit field");
	}

	private static void narrowScreen(HeadlessChromium chromium, PackagedSampleApp app) throws Exception {
		WebDriver browser = chromium.driver;
		browser.manage().window().setSize(new Dimension(360, 800));
		browser.get(app.url("/metering/console/tenants/demo-free"));
		Object overflow = ((JavascriptExecutor) browser)
			.executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
		assertThat(((Number) overflow).intValue()).as("no sideways scrolling at 360 px").isLessThanOrEqualTo(0);
		chromium.screenshot("08-tenant-360px");
		browser.manage().window().setSize(new Dimension(1280, 1000));
	}

	private void scriptsGetTheSameRule(PackagedSampleApp app) throws Exception {
		HttpResponse<String> withKey = get(app.url("/metering/console/tenants/demo-free"), KEY);
		assertThat(withKey.statusCode()).isEqualTo(200);
		assertThat(withKey.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
				(csp) -> assertThat(csp).contains("default-src 'none'"));
		HttpResponse<String> wrongKey = get(app.url("/metering/console/tenants/demo-free"), "wrong-key-0123456789");
		assertThat(wrongKey.statusCode()).isEqualTo(401);
		assertThat(wrongKey.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		HttpResponse<String> anonymous = get(app.url("/metering/console/tenants/demo-free"), null);
		assertThat(anonymous.statusCode()).isEqualTo(401);
		HttpResponse<String> noToken = this.http.send(HttpRequest
			.newBuilder(URI.create(app.url("/metering/console/tenants/demo-free/quota")))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.header("Cookie", "metering_console=forged.value")
			.POST(HttpRequest.BodyPublishers.ofString("meter=http.requests&window=day&limit=1"))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(noToken.statusCode()).as("a forged cookie is no login").isEqualTo(401);
	}

	private HttpResponse<String> get(String url, String key) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
		if (key != null) {
			request.header("X-Metering-Admin-Key", key);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

}
