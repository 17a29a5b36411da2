package dev.metering.notification;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Standard Webhooks signature: {@code v1,} and the base64 of HMAC-SHA256 over
 * {@code <webhook-id>.<webhook-timestamp>.<body>}, keyed with the secret's decoded bytes.
 */
public final class WebhookSignature {

	/** The header of the message id. */
	public static final String ID_HEADER = "webhook-id";

	/** The header of the send time, in seconds since the epoch. */
	public static final String TIMESTAMP_HEADER = "webhook-timestamp";

	/** The header of the signature. */
	public static final String SIGNATURE_HEADER = "webhook-signature";

	private WebhookSignature() {
	}

	/**
	 * Signs a delivery.
	 * @param secret the endpoint's secret, {@code whsec_} and base64
	 * @param id the message id
	 * @param timestampSeconds the send time
	 * @param body the body as sent
	 * @return the {@code webhook-signature} value
	 */
	public static String sign(String secret, String id, long timestampSeconds, String body) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(WebhookEndpoint.key(secret), "HmacSHA256"));
			byte[] signature = mac.doFinal((id + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
			return "v1," + Base64.getEncoder().encodeToString(signature);
		}
		catch (NoSuchAlgorithmException | InvalidKeyException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
