package dev.metering.meter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

import dev.metering.internal.json.DimensionsJson;

/**
 * The key of a meter's group in its rollup tables ({@code group_key}): {@code ""} for an
 * ungrouped meter, else the first 128 bits, in hex, of SHA-256 over the group's values as a JSON
 * object in the definition's order. A key of fixed length keeps the tables' primary keys within
 * every database's index limits whatever the group values; the values themselves are stored
 * beside it ({@code group_values}).
 */
public final class GroupKey {

	/** Hex characters of a key. */
	public static final int LENGTH = 32;

	private GroupKey() {
	}

	/**
	 * The key of a group.
	 * @param groups the group's values by dimension, in the definition's order
	 * @return its key
	 */
	public static String of(Map<String, String> groups) {
		if (groups.isEmpty()) {
			return "";
		}
		MessageDigest sha256;
		try {
			sha256 = MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("Every Java platform has SHA-256", ex);
		}
		byte[] hash = sha256.digest(DimensionsJson.encode(groups).getBytes(StandardCharsets.UTF_8));
		return HexFormat.of().formatHex(hash, 0, LENGTH / 2);
	}

}
