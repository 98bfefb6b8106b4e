/**
 * Connections the kernel may hold, handshake done, until the server gets to accept them. Asked
 * high so that the OS's own cap decides (Linux: net.core.somaxconn, 4096 since 5.4; macOS:
 * kern.ipc.somaxconn), as Go's listeners do. Node's default is 511: when 5,000 SSE streams opened
 * over 5 s on a busy 2-core machine, the queue filled, the kernel dropped handshakes, and 1-4 %
 * of the streams were reset or started 30 s late, where http-proxy listening with 4096 lost none
 * (docs/benchmarks.md). A connection waiting there costs the process no memory.
 * https://man7.org/linux/man-pages/man2/listen.2.html
 */
export const LISTEN_BACKLOG = 65_535
