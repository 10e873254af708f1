//! The real server on a loopback port: slow clients are cut off, and a full house recovers.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use ldp_testkit::{TestDb, both_backends};
use ldp_web::server::Limits;

use crate::helpers::*;

both_backends!(seeded => slow_clients_are_cut_off_and_cannot_starve_the_others);

/// Whether the server has closed `stream` (or answered it), waiting at most `wait`.
async fn server_closed(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 1024];
    match tokio::time::timeout(wait, stream.read(&mut buf)).await {
        Ok(Ok(_)) | Ok(Err(_)) => true,
        Err(_) => false,
    }
}

async fn slow_clients_are_cut_off_and_cannot_starve_the_others(db: TestDb) {
    let app = TestApp::new(db).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let limits = Limits { header_read_timeout: Duration::from_millis(300), max_connections: 2 };
    let server = tokio::spawn(ldp_web::serve(listener, app.state.clone(), limits, async {
        let _ = stopped.await;
    }));

    // Slowloris: a header line every 100 ms, for at most 5 s.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: ldp\r\n").await.unwrap();
    let mut cut_off = false;
    for i in 0..50 {
        if server_closed(&mut slow, Duration::from_millis(100)).await
            || slow.write_all(format!("X-Slow-{i}: 1\r\n").as_bytes()).await.is_err()
        {
            cut_off = true;
            break;
        }
    }
    assert!(cut_off, "a client that never finishes its headers is disconnected");

    // Both connection slots taken by clients that send nothing at all...
    let mut idle = [TcpStream::connect(addr).await.unwrap(), TcpStream::connect(addr).await.unwrap()];
    // ...and a real request still gets its answer once the idle ones are cut off.
    let mut client = TcpStream::connect(addr).await.unwrap();
    client.write_all(b"GET /healthz HTTP/1.1\r\nHost: ldp\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), client.read_to_end(&mut answer)).await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));
    for stream in &mut idle {
        assert!(server_closed(stream, Duration::from_secs(5)).await, "idle connections are closed too");
    }

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap().unwrap();
}
