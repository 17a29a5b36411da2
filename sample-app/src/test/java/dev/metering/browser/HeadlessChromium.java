package dev.metering.browser;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Debian's headless Chromium driven by its chromedriver, with a fresh profile and every
 * background service that could call out switched off. Every URL the pages ask for is read
 * back from Chrome's performance log ({@link #requestedUrls}), so a test can prove no request
 * left the machine. Without {@value #BROWSER_VARIABLE} the browser tests are skipped (as
 * MariaDB's are without its URL); with it ({@code .ci/run} sets it) a missing Chromium fails them.
 */
final class HeadlessChromium implements AutoCloseable {

	static final String BROWSER_VARIABLE = "METERING_TEST_BROWSER";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	final ChromeDriver driver;

	private final Path profile;

	private final Path screenshots;

	private final List<String> urls = new ArrayList<>();

	private HeadlessChromium(ChromeDriver driver, Path profile, Path screenshots) {
		this.driver = driver;
		this.profile = profile;
		this.screenshots = screenshots;
	}

	static HeadlessChromium start(Path screenshots) throws IOException {
		String setting = System.getenv(BROWSER_VARIABLE);
		if (setting == null || setting.isBlank()) {
			Assumptions.abort("Browser tests not configured: set " + BROWSER_VARIABLE + "=chromium (.ci/run does)");
		}
		File browser = new File(System.getenv().getOrDefault("METERING_TEST_CHROMIUM", "/usr/bin/chromium"));
		File chromedriver = new File(System.getenv().getOrDefault("METERING_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"));
		if (!browser.canExecute() || !chromedriver.canExecute()) {
			throw new IllegalStateException(BROWSER_VARIABLE + " is set but " + browser + " or " + chromedriver
					+ " is missing: apt-get install -y chromium chromium-driver");
		}
		Path profile = Files.createTempDirectory("metering-chromium-");
		ChromeOptions options = new ChromeOptions();
		options.setBinary(browser);
		options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
				"--disable-background-networking", "--disable-component-update", "--disable-sync",
				"--disable-default-apps", "--disable-extensions", "--user-data-dir=" + profile, "--window-size=1280,1000");
		LoggingPreferences logs = new LoggingPreferences();
		logs.enable(LogType.PERFORMANCE, Level.ALL);
		options.setCapability("goog:loggingPrefs", logs);
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver)
			.usingAnyFreePort()
			.build();
		Files.createDirectories(screenshots);
		return new HeadlessChromium(new ChromeDriver(service, options), profile, screenshots);
	}

	/** A screenshot of the whole page, however long, as {@code <name>.png}. */
	void screenshot(String name) throws IOException {
		Dimension window = this.driver.manage().window().getSize();
		Number height = (Number) this.driver.executeScript("return document.documentElement.scrollHeight;");
		this.driver.manage()
			.window()
			.setSize(new Dimension(window.getWidth(), Math.min(8_000, Math.max(window.getHeight(), height.intValue() + 160))));
		try {
			byte[] png = ((TakesScreenshot) this.driver).getScreenshotAs(OutputType.BYTES);
			Files.write(this.screenshots.resolve(name + ".png"), png);
		}
		finally {
			this.driver.manage().window().setSize(window);
		}
	}

	/**
	 * Every URL the browser asked for since the start: documents, styles, images, redirects.
	 * @return the URLs in order
	 */
	List<String> requestedUrls() {
		for (LogEntry entry : this.driver.manage().logs().get(LogType.PERFORMANCE)) {
			JsonNode message = JSON.readTree(entry.getMessage()).path("message");
			String method = message.path("method").asString("");
			if (method.equals("Network.requestWillBeSent") || method.equals("Network.webSocketCreated")) {
				JsonNode params = message.path("params");
				String url = params.path("request").path("url").asString(params.path("url").asString(""));
				this.urls.add(url);
			}
		}
		return List.copyOf(this.urls);
	}

	/**
	 * The URLs of {@link #requestedUrls()} that go to another host than the app's.
	 * @param appHost the app's host and port, e.g. {@code 127.0.0.1:8080}
	 * @return the URLs elsewhere
	 */
	List<String> requestsElsewhere(String appHost) {
		// chrome://, data: and about: URLs are the browser's own pages (its new-tab page at start):
		// only a network scheme can leave the machine.
		return requestedUrls().stream().filter((url) -> {
			String scheme = url.substring(0, Math.max(0, url.indexOf(':')));
			if (!List.of("http", "https", "ws", "wss", "ftp").contains(scheme)) {
				return false;
			}
			URI uri = URI.create(url);
			return !(uri.getHost() + ":" + uri.getPort()).equals(appHost);
		}).toList();
	}

	@Override
	public void close() throws IOException {
		try {
			this.driver.quit();
		}
		finally {
			try (var paths = Files.walk(this.profile)) {
				paths.sorted(java.util.Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
			}
		}
	}

}
