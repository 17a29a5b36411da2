package dev.metering.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy between the application and its database that a test can break: {@link #cut()}
 * resets every open connection and refuses new ones (the database unreachable),
 * {@link #delay(long)} holds every chunk of data for a while before forwarding it (a slow
 * network), {@link #heal()} makes it a plain pipe again. Blocking sockets, two threads per
 * connection: enough for a connection pool.
 */
final class TcpProxy implements AutoCloseable {

	private final String targetHost;

	private final int targetPort;

	private final int port;

	private final Set<Socket> open = ConcurrentHashMap.newKeySet();

	private volatile ServerSocket server;

	private volatile long delayMillis;

	private volatile boolean closed;

	TcpProxy(String targetHost, int targetPort) throws IOException {
		this.targetHost = targetHost;
		this.targetPort = targetPort;
		this.server = listen(0);
		this.port = this.server.getLocalPort();
		acceptLoop(this.server);
	}

	int port() {
		return this.port;
	}

	/** Resets every connection and refuses new ones until {@link #heal()}. */
	synchronized void cut() throws IOException {
		ServerSocket listening = this.server;
		this.server = null;
		if (listening != null) {
			listening.close();
		}
		for (Socket socket : this.open) {
			reset(socket);
		}
	}

	/**
	 * Holds every chunk of data for the given time before forwarding it.
	 * @param millis the delay; 0 for none
	 */
	void delay(long millis) {
		this.delayMillis = millis;
	}

	/** A plain pipe again: listening, no delay. */
	synchronized void heal() throws IOException {
		this.delayMillis = 0;
		if (this.server == null) {
			this.server = listen(this.port);
			acceptLoop(this.server);
		}
	}

	private ServerSocket listen(int port) throws IOException {
		ServerSocket socket = new ServerSocket();
		socket.setReuseAddress(true);
		socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
		return socket;
	}

	private void acceptLoop(ServerSocket listening) {
		daemon("proxy-accept-" + this.port, () -> {
			while (!listening.isClosed()) {
				try {
					Socket client = listening.accept();
					Socket upstream = new Socket(this.targetHost, this.targetPort);
					this.open.add(client);
					this.open.add(upstream);
					daemon("proxy-up", () -> pump(client, upstream));
					daemon("proxy-down", () -> pump(upstream, client));
				}
				catch (IOException ex) {
					// closed by cut() or close()
				}
			}
		});
	}

	private void pump(Socket from, Socket to) {
		byte[] chunk = new byte[16 * 1024];
		try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
			int read;
			while ((read = in.read(chunk)) >= 0) {
				long delay = this.delayMillis;
				if (delay > 0) {
					Thread.sleep(delay);
				}
				out.write(chunk, 0, read);
				out.flush();
			}
		}
		catch (IOException | InterruptedException ex) {
			// the connection ended or was cut
		}
		finally {
			reset(from);
			reset(to);
		}
	}

	private void reset(Socket socket) {
		this.open.remove(socket);
		try {
			// Linger 0: the peer sees a reset, as when a network path or a server dies.
			socket.setSoLinger(true, 0);
			socket.close();
		}
		catch (IOException ex) {
			// already closed
		}
	}

	@Override
	public void close() throws IOException {
		this.closed = true;
		cut();
	}

	boolean isClosed() {
		return this.closed;
	}

	private static void daemon(String name, Runnable task) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		thread.start();
	}

}
