//! Reading a response body whole, up to a limit, without losing it when it is longer.

use axum::body::{Body, Bytes};
use futures_util::StreamExt;
use http_body_util::BodyExt;

/// The whole body when it ends within `limit` bytes; otherwise (or when it fails) a body that sends what
/// was read and then the rest, so a long export still streams to its reader untouched.
pub async fn read_up_to(mut body: Body, limit: usize) -> Result<Bytes, Body> {
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut total = 0usize;
    loop {
        match body.frame().await {
            None => break,
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    total += data.len();
                    chunks.push(data);
                    if total > limit {
                        return Err(replay(chunks, body));
                    }
                }
            }
            Some(Err(e)) => {
                let failed = futures_util::stream::once(async move { Err::<Bytes, axum::Error>(e) });
                let read = futures_util::stream::iter(chunks.into_iter().map(Ok));
                return Err(Body::from_stream(read.chain(failed)));
            }
        }
    }
    Ok(match chunks.len() {
        0 => Bytes::new(),
        1 => chunks.remove(0),
        _ => chunks.concat().into(),
    })
}

/// A body that sends `read` and then what remains of `rest`.
fn replay(read: Vec<Bytes>, rest: Body) -> Body {
    let read = futures_util::stream::iter(read.into_iter().map(Ok::<Bytes, axum::Error>));
    Body::from_stream(read.chain(rest.into_data_stream()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunked(parts: &[&'static str]) -> Body {
        let parts: Vec<Result<Bytes, axum::Error>> =
            parts.iter().map(|p| Ok(Bytes::from_static(p.as_bytes()))).collect();
        Body::from_stream(futures_util::stream::iter(parts))
    }

    #[tokio::test]
    async fn a_short_body_is_read_whole() {
        let bytes = read_up_to(chunked(&["ab", "cd"]), 4).await.unwrap();
        assert_eq!(&bytes[..], b"abcd");
    }

    #[tokio::test]
    async fn a_long_body_is_given_back_whole() {
        let body = read_up_to(chunked(&["ab", "cd", "ef"]), 3).await.unwrap_err();
        assert_eq!(&body.collect().await.unwrap().to_bytes()[..], b"abcdef");
    }
}
