//! Choosing which cases a run covers: filters and deterministic shards.

use std::str::FromStr;

use sha2::{Digest, Sha256};

use super::Entry;

/// `--shard K/N`: case `c` belongs to shard `hash(run_id) mod N == K-1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based shard number.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` is not K/N"))?;
        let index: u64 = k
            .trim()
            .parse()
            .map_err(|_| format!("`{k}` is not a shard number"))?;
        let count: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("`{n}` is not a shard count"))?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("shard {index}/{count} is out of range (1 ≤ K ≤ N)"));
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// True when `run_id` belongs to this shard. Stable across machines and versions.
    pub fn contains(&self, run_id: &str) -> bool {
        let digest = Sha256::digest(run_id.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first) % self.count == self.index - 1
    }
}

/// `--filter KEY=VALUE` (repeatable; all must hold): workflow, version, system, status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `workflow=ID`.
    Workflow(String),
    /// `version=N`.
    Version(i64),
    /// `system=NAME`.
    System(crate::model::System),
    /// `status=TEXT`, as the system spells it.
    Status(String),
}

impl FromStr for Filter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (key, value) = s
            .split_once('=')
            .ok_or_else(|| format!("`{s}` is not KEY=VALUE"))?;
        match key.trim() {
            "workflow" => Ok(Filter::Workflow(value.to_owned())),
            "version" => value
                .parse()
                .map(Filter::Version)
                .map_err(|_| format!("`{value}` is not a version number")),
            "system" => value.parse().map(Filter::System),
            "status" => Ok(Filter::Status(value.to_owned())),
            other => Err(format!(
                "unknown filter `{other}` (expected workflow, version, system or status)"
            )),
        }
    }
}

impl Filter {
    /// True when the run passes this filter.
    pub fn matches(&self, run: &Entry) -> bool {
        match self {
            Filter::Workflow(w) => run.workflow_id.as_deref() == Some(w.as_str()),
            Filter::Version(v) => run.version == Some(*v),
            Filter::System(s) => run.system() == *s,
            Filter::Status(s) => *run.status == **s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_ids() {
        let ids: Vec<String> = (0..1000).map(|i| format!("run-{i}")).collect();
        let shards: Vec<Shard> = (1..=3).map(|k| Shard { index: k, count: 3 }).collect();
        for id in &ids {
            assert_eq!(shards.iter().filter(|s| s.contains(id)).count(), 1);
        }
        let first = ids.iter().filter(|id| shards[0].contains(id)).count();
        assert!((250..420).contains(&first), "{first}");
    }

    #[test]
    fn parses_shards_and_filters() {
        assert_eq!(
            "2/4".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 4 }
        );
        assert!("0/4".parse::<Shard>().is_err());
        assert!("5/4".parse::<Shard>().is_err());
        assert_eq!("version=2".parse::<Filter>().unwrap(), Filter::Version(2));
        assert!("colour=red".parse::<Filter>().is_err());
    }
}
