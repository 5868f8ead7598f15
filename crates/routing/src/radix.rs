//! A monotone priority queue for Dijkstra (a radix heap): keys popped never decrease, and a
//! key pushed is never below the last one popped. An entry sits in the bucket of the highest
//! bit where its key differs from the last popped key, so a push is O(1) and an entry moves at
//! most 64 times; on an edge-based graph of France it replaces a binary heap of millions of
//! entries whose every operation missed the cache.

/// Min-queue of `(key, value)` with monotone keys.
#[derive(Debug, Clone)]
pub(crate) struct RadixHeap {
    last: u64,
    len: usize,
    buckets: Vec<Vec<(u64, u32)>>,
}

impl Default for RadixHeap {
    fn default() -> RadixHeap {
        RadixHeap {
            last: 0,
            len: 0,
            buckets: vec![Vec::new(); 65],
        }
    }
}

#[inline]
fn bucket(last: u64, k: u64) -> usize {
    (64 - (k ^ last).leading_zeros()) as usize
}

impl RadixHeap {
    /// Adds an entry; `k` must not be below the last key popped.
    #[inline]
    pub fn push(&mut self, k: u64, v: u32) {
        debug_assert!(k >= self.last, "radix heap: key {k} below {}", self.last);
        self.buckets[bucket(self.last, k)].push((k, v));
        self.len += 1;
    }

    /// Removes an entry of the least key.
    pub fn pop(&mut self) -> Option<(u64, u32)> {
        if self.len == 0 {
            return None;
        }
        if self.buckets[0].is_empty() {
            let i = (1..65)
                .find(|&i| !self.buckets[i].is_empty())
                .expect("a non-empty bucket");
            let mut b = std::mem::take(&mut self.buckets[i]);
            self.last = b.iter().map(|e| e.0).min().expect("non-empty");
            for &(k, v) in &b {
                self.buckets[bucket(self.last, k)].push((k, v));
            }
            b.clear();
            // Keep the allocation for the bucket's next use.
            if self.buckets[i].is_empty() {
                self.buckets[i] = b;
            }
        }
        self.len -= 1;
        self.buckets[0].pop()
    }

    pub fn clear(&mut self) {
        for b in &mut self.buckets {
            b.clear();
        }
        self.len = 0;
        self.last = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BinaryHeap;

    /// Against a binary heap on a random Dijkstra-like sequence of pushes and pops.
    #[test]
    fn pops_in_key_order_like_a_binary_heap() {
        let mut x = 7u64;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x >> 33
        };
        let (mut r, mut b) = (RadixHeap::default(), BinaryHeap::new());
        let mut last = 0u64;
        for i in 0..20_000u32 {
            for _ in 0..(next() % 3) {
                let k = last + (next() % 5000) * if next() % 7 == 0 { 1 << 32 } else { 1 };
                r.push(k, i);
                b.push(std::cmp::Reverse((k, i)));
            }
            if next() % 2 == 0 {
                let got = r.pop().map(|e| e.0);
                let want = b.pop().map(|e| e.0.0);
                assert_eq!(got, want);
                if let Some(k) = got {
                    last = k;
                }
            }
        }
        while let Some(std::cmp::Reverse((k, _))) = b.pop() {
            assert_eq!(r.pop().map(|e| e.0), Some(k));
        }
        assert_eq!(r.pop(), None);
    }
}
