const redis = require('./redis');

// Cache of the notes list, so the notes page doesn't hit the DB on every refresh.
// It lives in Redis, not in this process: every replica reads and clears the same
// keys, so no replica keeps serving a list that another one has changed.
const TTL_SECONDS = 60;
const PREFIX = 'cache:notes:';

async function getNotes(userId) {
  const json = await redis.get(PREFIX + userId);
  return json === null ? undefined : JSON.parse(json);
}

async function setNotes(userId, notes) {
  // EX: Redis expires the entry itself, whichever replica wrote it.
  await redis.set(PREFIX + userId, JSON.stringify(notes), { EX: TTL_SECONDS });
}

// A new note belongs in everybody's list (and an operator can flush the cache through
// the admin API). SCAN walks the keys in small batches instead of blocking Redis the
// way KEYS would. Returns how many lists were cleared.
async function clearNotes() {
  let cleared = 0;
  for await (const keys of redis.scanIterator({ MATCH: PREFIX + '*', COUNT: 100 })) {
    if (keys.length) cleared += await redis.del(keys);
  }
  return cleared;
}

module.exports = { getNotes, setNotes, clearNotes };
