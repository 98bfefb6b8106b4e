/**
 * How long a client refused in the middle of its upload may go on sending, its bytes read and
 * dropped, before its connection closes anyway (RFC 9112 section 9.6: a server that closes while
 * the client still sends makes its TCP stack reset the connection, and the reset can erase the
 * refusal before the client reads it). Long enough for a busy client to read the refusal
 * (nginx's lingering_timeout is 5 s), short enough that a refused upload does not hold a socket.
 */
export const LINGER_MS = 5_000
