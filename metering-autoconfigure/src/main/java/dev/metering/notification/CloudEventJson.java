package dev.metering.notification;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import dev.metering.internal.json.DimensionsJson;

/**
 * The body of a webhook delivery: a CloudEvents 1.0 envelope in structured JSON mode, written
 * once when the notification is emitted, so every retry sends (and signs) the same bytes.
 */
final class CloudEventJson {

	static final String SOURCE = "/metering";

	private CloudEventJson() {
	}

	static String write(MeteringNotificationEvent event) {
		StringBuilder json = new StringBuilder(384);
		json.append("{\"specversion\":\"1.0\",\"id\":");
		DimensionsJson.appendString(json, event.getId());
		json.append(",\"source\":");
		DimensionsJson.appendString(json, SOURCE);
		json.append(",\"type\":");
		DimensionsJson.appendString(json, event.getType().wireName());
		json.append(",\"subject\":");
		DimensionsJson.appendString(json, event.getSubject());
		json.append(",\"time\":");
		DimensionsJson.appendString(json, event.getTime().toString());
		json.append(",\"datacontenttype\":\"application/json\",\"data\":{");
		boolean first = true;
		for (Map.Entry<String, Object> field : new java.util.TreeMap<>(event.getData()).entrySet()) {
			if (!first) {
				json.append(',');
			}
			first = false;
			DimensionsJson.appendString(json, field.getKey());
			json.append(':');
			Object value = field.getValue();
			if (value instanceof BigDecimal decimal) {
				json.append(decimal.toPlainString());
			}
			else if (value instanceof Number || value instanceof Boolean) {
				json.append(value);
			}
			else if (value instanceof List<?> list) {
				json.append('[');
				for (int i = 0; i < list.size(); i++) {
					DimensionsJson.appendString(json.append((i > 0) ? "," : ""), String.valueOf(list.get(i)));
				}
				json.append(']');
			}
			else {
				DimensionsJson.appendString(json, String.valueOf(value));
			}
		}
		return json.append("}}").toString();
	}

}
