//! The event frame: push and pull bodies in a compact binary form.
//!
//! JSON carries each event's payload (itself JSON) as an escaped string:
//! writing and reading a page of 1,000 events spent more time escaping and
//! unescaping than the hub spent reading them from its database. A frame
//! carries the payload's bytes as they are, behind their length. Counters
//! send and ask for frames (`Content-Type` / `Accept`:
//! `application/vnd.dangol.events`); the hub still speaks JSON to anyone
//! who asks for it (a person with curl, a tool).
//!
//! Layout (integers little-endian):
//!
//! ```text
//! push:  "DGEP" 01  count:u32  event*count
//! pull:  "DGEL" 01  head:i64  count:u32  (pos:i64 device:[16] event)*count
//! event: seq:i64 event_id:[16] at_ms:i64 schema_version:i64
//!        kind_len:u32 kind:utf8  payload_len:u32 payload:utf8
//! ```
//!
//! Reading checks every length against the bytes left, the text as UTF-8,
//! the count against what the bytes can hold, and that nothing follows the
//! last event: a cut or garbled body is a `FrameError` naming where, never
//! a panic and never a partial batch.

use crate::event::{HubEvent, PushedEvent};
use std::fmt;
use uuid::Uuid;

/// The media type of a frame.
pub const MEDIA_TYPE: &str = "application/vnd.dangol.events";
const PUSH_MAGIC: &[u8; 4] = b"DGEP";
const PULL_MAGIC: &[u8; 4] = b"DGEL";
const VERSION: u8 = 1;
/// The fewest bytes one pushed event takes (its fixed fields and two
/// empty lengths), so a count the body cannot hold is refused up front.
const MIN_EVENT: usize = 8 + 16 + 8 + 8 + 4 + 4;

/// Why bytes are not a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError {
    /// Where reading stopped (bytes from the start).
    pub offset: usize,
    pub what: String,
    /// The frame announces more events than may travel at once (the
    /// rest was not read).
    pub too_many: bool,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.what, self.offset)
    }
}

impl std::error::Error for FrameError {}

/// A push body.
pub fn encode_push(events: &[PushedEvent]) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(9 + events.iter().map(|e| MIN_EVENT + e.kind.len() + e.payload.len()).sum::<usize>());
    out.extend_from_slice(PUSH_MAGIC);
    out.push(VERSION);
    put_count(&mut out, events.len());
    for e in events {
        put_event(&mut out, e);
    }
    out
}

/// A pull answer.
pub fn encode_pull(events: &[HubEvent], head: i64) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        17 + events.iter().map(|e| 24 + MIN_EVENT + e.event.kind.len() + e.event.payload.len()).sum::<usize>(),
    );
    out.extend_from_slice(PULL_MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&head.to_le_bytes());
    put_count(&mut out, events.len());
    for e in events {
        out.extend_from_slice(&e.pos.to_le_bytes());
        out.extend_from_slice(e.device.as_bytes());
        put_event(&mut out, &e.event);
    }
    out
}

/// Reads a push body; at most `max` events.
pub fn decode_push(bytes: &[u8], max: usize) -> Result<Vec<PushedEvent>, FrameError> {
    let mut r = Reader { bytes, at: 0 };
    r.magic(PUSH_MAGIC)?;
    let count = r.count(max, MIN_EVENT)?;
    let mut events = Vec::with_capacity(count);
    for _ in 0..count {
        events.push(r.event()?);
    }
    r.end()?;
    Ok(events)
}

/// Reads a pull answer: its events and the hub's head.
pub fn decode_pull(bytes: &[u8]) -> Result<(Vec<HubEvent>, i64), FrameError> {
    let mut r = Reader { bytes, at: 0 };
    r.magic(PULL_MAGIC)?;
    let head = r.i64()?;
    let count = r.count(usize::MAX, 24 + MIN_EVENT)?;
    let mut events = Vec::with_capacity(count);
    for _ in 0..count {
        let pos = r.i64()?;
        let device = r.uuid()?;
        events.push(HubEvent { pos, device, event: r.event()? });
    }
    r.end()?;
    Ok((events, head))
}

fn put_count(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
}

fn put_text(out: &mut Vec<u8>, s: &str) {
    put_count(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_event(out: &mut Vec<u8>, e: &PushedEvent) {
    out.extend_from_slice(&e.seq.to_le_bytes());
    out.extend_from_slice(e.event_id.as_bytes());
    out.extend_from_slice(&e.at_ms.to_le_bytes());
    out.extend_from_slice(&e.schema_version.to_le_bytes());
    put_text(out, &e.kind);
    put_text(out, &e.payload);
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn fail(&self, what: impl Into<String>) -> FrameError {
        FrameError { offset: self.at, what: what.into(), too_many: false }
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], FrameError> {
        let left = self.bytes.len() - self.at;
        if n > left {
            return Err(self.fail(format!("the body ends inside {what} ({n} bytes needed, {left} left)")));
        }
        let s = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    fn magic(&mut self, magic: &[u8; 4]) -> Result<(), FrameError> {
        let found = self.take(4, "the frame's mark")?;
        if found != magic {
            self.at = 0;
            return Err(self.fail(format!(
                "not an event frame of this kind (it starts {:?}, not {:?})",
                String::from_utf8_lossy(found),
                String::from_utf8_lossy(magic)
            )));
        }
        let version = self.take(1, "the frame's version")?[0];
        if version != VERSION {
            return Err(self.fail(format!("frame version {version}; this Dangol reads version {VERSION}")));
        }
        Ok(())
    }

    fn i64(&mut self) -> Result<i64, FrameError> {
        let b = self.take(8, "a number")?;
        Ok(i64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }

    fn u32(&mut self, what: &str) -> Result<usize, FrameError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes(b.try_into().unwrap_or([0; 4])) as usize)
    }

    fn uuid(&mut self) -> Result<Uuid, FrameError> {
        Ok(Uuid::from_slice(self.take(16, "an id")?).unwrap_or_default())
    }

    /// The event count, refused when over `max` or more than the bytes
    /// left could hold at `least` bytes each (no allocation from a lie).
    fn count(&mut self, max: usize, least: usize) -> Result<usize, FrameError> {
        let n = self.u32("the event count")?;
        if n > max {
            return Err(FrameError {
                too_many: true,
                ..self.fail(format!("{n} events; at most {max} may travel at once"))
            });
        }
        if n.saturating_mul(least) > self.bytes.len() - self.at {
            return Err(self.fail(format!("{n} events announced, but the body is too short to hold them")));
        }
        Ok(n)
    }

    fn text(&mut self, what: &str) -> Result<String, FrameError> {
        let n = self.u32(what)?;
        let start = self.at;
        let b = self.take(n, what)?;
        match std::str::from_utf8(b) {
            Ok(s) => Ok(s.to_owned()),
            Err(e) => Err(FrameError {
                offset: start + e.valid_up_to(),
                what: format!("{what} is not UTF-8"),
                too_many: false,
            }),
        }
    }

    fn event(&mut self) -> Result<PushedEvent, FrameError> {
        Ok(PushedEvent {
            seq: self.i64()?,
            event_id: self.uuid()?,
            at_ms: self.i64()?,
            schema_version: self.i64()?,
            kind: self.text("an event's kind")?,
            payload: self.text("an event's payload")?,
        })
    }

    fn end(&self) -> Result<(), FrameError> {
        let left = self.bytes.len() - self.at;
        if left > 0 {
            return Err(self.fail(format!("{left} bytes follow the last event")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pushed() -> impl Strategy<Value = PushedEvent> {
        (any::<i64>(), any::<u128>(), any::<i64>(), ".{0,12}", any::<i64>(), ".{0,80}").prop_map(
            |(seq, id, at_ms, kind, schema_version, payload)| PushedEvent {
                seq,
                event_id: Uuid::from_u128(id),
                at_ms,
                kind,
                schema_version,
                payload,
            },
        )
    }

    fn held() -> impl Strategy<Value = HubEvent> {
        (any::<i64>(), any::<u128>(), pushed()).prop_map(|(pos, d, event)| HubEvent {
            pos,
            device: Uuid::from_u128(d),
            event,
        })
    }

    proptest! {
        /// Whatever the events hold, a frame reads back as the same events,
        /// and as what their JSON reads back as.
        #[test]
        fn frames_read_back_as_what_was_written(
            push in proptest::collection::vec(pushed(), 0..20),
            pull in proptest::collection::vec(held(), 0..20),
            head in any::<i64>(),
        ) {
            prop_assert_eq!(&decode_push(&encode_push(&push), 20).unwrap(), &push);
            let json: crate::wire::PushRequest =
                serde_json::from_str(&serde_json::to_string(&crate::wire::PushBody { events: &push }).unwrap()).unwrap();
            prop_assert_eq!(&json.events, &push);
            let (events, h) = decode_pull(&encode_pull(&pull, head)).unwrap();
            prop_assert_eq!(&events, &pull);
            prop_assert_eq!(h, head);
        }

        /// A frame cut anywhere, or with a byte changed, or any bytes at
        /// all, is refused or read without a panic; a cut one is always
        /// refused.
        #[test]
        fn a_cut_or_garbled_frame_is_refused_never_a_panic(
            push in proptest::collection::vec(pushed(), 1..8),
            cut in any::<prop::sample::Index>(),
            flip in any::<(prop::sample::Index, u8)>(),
            noise in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let whole = encode_push(&push);
            let at = cut.index(whole.len());
            prop_assert!(decode_push(&whole[..at], 100).is_err(), "cut at {}", at);
            let mut garbled = whole.clone();
            let i = flip.0.index(garbled.len());
            garbled[i] ^= flip.1.max(1);
            let _ = decode_push(&garbled, 100);
            let _ = decode_pull(&garbled);
            let _ = decode_push(&noise, 100);
            let _ = decode_pull(&noise);
            let mut longer = whole;
            longer.push(0);
            prop_assert!(decode_push(&longer, 100).is_err());
        }
    }

    #[test]
    fn refusals_say_what_is_wrong() {
        let e = PushedEvent {
            seq: 1,
            event_id: Uuid::from_u128(7),
            at_ms: 0,
            kind: "sale.completed".into(),
            schema_version: 1,
            payload: "{}".into(),
        };
        let two = encode_push(&[e.clone(), e.clone()]);
        let over = decode_push(&two, 1).unwrap_err();
        assert!(over.too_many && over.what.contains("at most 1"), "{over}");
        assert!(decode_pull(&two).unwrap_err().what.contains("not an event frame"));
        assert!(decode_push(b"{\"events\":[]}", 5).unwrap_err().what.contains("not an event frame"));
        let mut lie = encode_push(&[]);
        lie[5..9].copy_from_slice(&4_000u32.to_le_bytes());
        assert!(decode_push(&lie, 5_000).unwrap_err().what.contains("too short"));
        let mut newer = encode_push(std::slice::from_ref(&e));
        newer[4] = 2;
        assert!(decode_push(&newer, 5).unwrap_err().what.contains("version 2"));
        let mut bad = encode_push(&[e]);
        let n = bad.len();
        bad[n - 1] = 0xff;
        let err = decode_push(&bad, 5).unwrap_err();
        assert!(err.what.contains("payload is not UTF-8"), "{err}");
        assert_eq!(err.offset, n - 1);
    }
}
