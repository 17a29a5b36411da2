package dev.metering.tenant;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import org.jspecify.annotations.Nullable;

/**
 * The client addresses whose tenant header is believed: a list of CIDR blocks (IPv4 and IPv6),
 * or every client. A header from any other address could name any tenant, so it is ignored.
 */
public final class TrustedProxies {

	/** Every client: only for local demos or when the network lets nothing else reach the service. */
	public static final TrustedProxies ALL = new TrustedProxies(List.of(), true);

	/** No client at all: every header-named tenant is ignored. */
	public static final TrustedProxies NONE = new TrustedProxies(List.of(), false);

	private final List<Block> blocks;

	private final boolean all;

	private TrustedProxies(List<Block> blocks, boolean all) {
		this.blocks = blocks;
		this.all = all;
	}

	/**
	 * The clients within the given blocks.
	 * @param cidrs CIDR blocks such as {@code 10.0.0.0/8}, {@code fd00::/8}, or single addresses
	 * such as {@code 127.0.0.1}
	 * @return the trusted proxies
	 * @throws IllegalArgumentException naming the first block that is not an IP literal with an
	 * optional prefix length
	 */
	public static TrustedProxies of(List<String> cidrs) {
		List<Block> blocks = new ArrayList<>();
		for (String cidr : cidrs) {
			blocks.add(Block.parse(cidr));
		}
		return new TrustedProxies(List.copyOf(blocks), false);
	}

	/**
	 * Request attribute holding the address of the connection's peer, set by the container
	 * before anything reads forwarded headers (the kit's Tomcat valve).
	 */
	public static final String PEER_ADDRESS_ATTRIBUTE = TrustedProxies.class.getName() + ".peerAddress";

	/**
	 * The address of the connection's peer: never what a forwarded header claims. Spring's
	 * {@code ForwardedHeaderFilter} (and any other wrapper) rewrites the remote address of the
	 * request it wraps, so the innermost request is asked; Tomcat's {@code RemoteIpValve}
	 * rewrites even that one, so the peer address the kit's valve kept comes first.
	 * @param request the request
	 * @return the peer's IP address
	 */
	public static @Nullable String peerAddress(ServletRequest request) {
		if (request.getAttribute(PEER_ADDRESS_ATTRIBUTE) instanceof String peer) {
			return peer;
		}
		ServletRequest innermost = request;
		while (innermost instanceof ServletRequestWrapper wrapper) {
			innermost = wrapper.getRequest();
		}
		return innermost.getRemoteAddr();
	}

	/** Whether every client is trusted, whatever its address. */
	boolean trustsAll() {
		return this.all;
	}

	/**
	 * Whether a client address is trusted.
	 * @param address the client's IP address, as {@link #peerAddress} gives it
	 * @return true when the address is within a block (or every client is trusted)
	 */
	public boolean isTrusted(@Nullable String address) {
		if (this.all) {
			return true;
		}
		if (this.blocks.isEmpty() || address == null || !isIpLiteral(address)) {
			return false;
		}
		byte[] bytes;
		try {
			bytes = InetAddress.getByName(address).getAddress();
		}
		catch (UnknownHostException ex) {
			return false;
		}
		for (Block block : this.blocks) {
			if (block.contains(bytes)) {
				return true;
			}
		}
		return false;
	}

	/** True for IPv4 and IPv6 literals, so that a host name never triggers a DNS look-up. */
	private static boolean isIpLiteral(String value) {
		if (value.isEmpty()) {
			return false;
		}
		boolean colon = value.indexOf(':') >= 0;
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			boolean allowed = Character.digit(c, 10) >= 0 || c == '.'
					|| (colon && (c == ':' || Character.digit(c, 16) >= 0 || c == '%'));
			if (!allowed) {
				return false;
			}
		}
		return true;
	}

	@Override
	public String toString() {
		return this.all ? "every client" : this.blocks.toString();
	}

	private record Block(byte[] network, int prefixLength, String text) {

		static Block parse(String cidr) {
			String value = (cidr != null) ? cidr.trim() : "";
			int slash = value.indexOf('/');
			String address = (slash >= 0) ? value.substring(0, slash) : value;
			if (!isIpLiteral(address)) {
				throw new IllegalArgumentException("'" + cidr + "' is not an IP address or CIDR block");
			}
			byte[] network;
			try {
				network = InetAddress.getByName(address).getAddress();
			}
			catch (UnknownHostException ex) {
				throw new IllegalArgumentException("'" + cidr + "' is not an IP address or CIDR block", ex);
			}
			int bits = network.length * 8;
			int prefixLength = bits;
			if (slash >= 0) {
				try {
					prefixLength = Integer.parseInt(value.substring(slash + 1));
				}
				catch (NumberFormatException ex) {
					prefixLength = -1;
				}
				if (prefixLength < 0 || prefixLength > bits) {
					throw new IllegalArgumentException(
							"'" + cidr + "' has a prefix length outside 0.." + bits);
				}
			}
			return new Block(network, prefixLength, value);
		}

		boolean contains(byte[] address) {
			if (address.length != this.network.length) {
				return false;
			}
			int whole = this.prefixLength / 8;
			for (int i = 0; i < whole; i++) {
				if (address[i] != this.network[i]) {
					return false;
				}
			}
			int rest = this.prefixLength % 8;
			if (rest == 0) {
				return true;
			}
			int mask = (0xFF << (8 - rest)) & 0xFF;
			return (address[whole] & mask) == (this.network[whole] & mask);
		}

		@Override
		public String toString() {
			return this.text;
		}

	}

}
