//! The Redis test harness (`aps_auth_tests::redis`): a real `redis-server` starts, answers
//! commands, restarts empty on the same port, and is gone once dropped.
//!
//! Every wait is bounded: 10 s for a server to answer `PING`, 5 s per command.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use aps_auth_tests::redis::RedisServer;

/// Whether anything accepts a TCP connection on `127.0.0.1:port`.
fn accepts_connections(port: u16) -> bool {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&address, Duration::from_secs(2)).is_ok()
}

#[test]
fn a_started_server_answers_ping_on_its_port() {
    let redis = RedisServer::start();
    assert_ne!(redis.port(), 0);
    assert_eq!(redis.url(), format!("redis://127.0.0.1:{}/", redis.port()));
    assert_eq!(redis.command(&["PING"]), "+PONG\r\n");
    assert!(redis.dir().is_dir());
    assert!(
        redis.log().contains("Ready to accept connections"),
        "log:\n{}",
        redis.log()
    );
}

#[test]
fn values_round_trip_through_command() {
    let redis = RedisServer::start();
    assert_eq!(
        redis.command(&["SET", "greeting", "hello world"]),
        "+OK\r\n"
    );
    assert_eq!(
        redis.command(&["GET", "greeting"]),
        "$11\r\nhello world\r\n"
    );
    // Lengths count bytes, not characters.
    assert_eq!(redis.command(&["SET", "ünïcode", "é"]), "+OK\r\n");
    assert_eq!(redis.command(&["GET", "ünïcode"]), "$2\r\né\r\n");
    assert_eq!(redis.command(&["GET", "missing"]), "$-1\r\n");
    assert_eq!(redis.command(&["DBSIZE"]), ":2\r\n");
    assert_eq!(redis.command(&["DEL", "ünïcode"]), ":1\r\n");
    assert_eq!(redis.command(&["KEYS", "*"]), "*1\r\n$8\r\ngreeting\r\n");
    assert_eq!(redis.command(&["FLUSHALL"]), "+OK\r\n");
    assert_eq!(redis.command(&["KEYS", "*"]), "*0\r\n");
    assert!(redis.command(&["NO-SUCH-COMMAND"]).starts_with("-ERR "));
}

#[test]
fn a_restarted_server_is_on_the_same_port_and_empty() {
    let mut redis = RedisServer::start();
    let port = redis.port();
    assert_eq!(redis.command(&["SET", "session", "token"]), "+OK\r\n");
    assert_eq!(redis.command(&["DBSIZE"]), ":1\r\n");

    redis.restart();

    assert_eq!(redis.port(), port);
    assert_eq!(redis.url(), format!("redis://127.0.0.1:{port}/"));
    assert_eq!(redis.command(&["PING"]), "+PONG\r\n");
    assert_eq!(redis.command(&["DBSIZE"]), ":0\r\n");
    assert_eq!(redis.command(&["GET", "session"]), "$-1\r\n");
}

#[test]
fn a_stopped_server_refuses_connections_until_restarted() {
    let mut redis = RedisServer::start();
    let port = redis.port();
    redis.stop();
    assert!(!accepts_connections(port));
    redis.stop(); // A second stop does nothing.
    redis.restart();
    assert_eq!(redis.command(&["PING"]), "+PONG\r\n");
}

#[test]
fn dropping_the_server_stops_it_and_removes_its_directory() {
    let redis = RedisServer::start();
    let port = redis.port();
    let dir = redis.dir().to_path_buf();
    assert!(accepts_connections(port));

    drop(redis);

    assert!(
        !accepts_connections(port),
        "something still listens on port {port}"
    );
    assert!(!dir.exists(), "{} is still there", dir.display());
}

#[test]
fn restart_waits_for_a_port_that_is_briefly_busy() {
    let mut redis = RedisServer::start();
    let port = redis.port();
    redis.stop();
    let squatter = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).expect("the port is free");
    let release = thread::spawn(move || {
        thread::sleep(Duration::from_millis(500));
        drop(squatter);
    });

    redis.restart();

    release.join().expect("the squatter thread");
    assert_eq!(redis.port(), port);
    assert_eq!(redis.command(&["PING"]), "+PONG\r\n");
    assert!(
        redis.log().contains("Address already in use"),
        "log:\n{}",
        redis.log()
    );
}
