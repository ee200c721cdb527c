// Tiny cache so the notes page doesn't hit the DB on every refresh.
// Lives in memory, so restarting the server clears it.
const TTL_MS = 60 * 1000;

const store = new Map();

function get(key) {
  const entry = store.get(key);
  if (!entry) return undefined;
  if (entry.expires < Date.now()) {
    store.delete(key);
    return undefined;
  }
  return entry.value;
}

function set(key, value) {
  store.set(key, { value, expires: Date.now() + TTL_MS });
}

function del(key) {
  store.delete(key);
}

function clear() {
  store.clear();
}

module.exports = { get, set, del, clear };
