const db = require('./db');

// Attachments live in Postgres, next to their note, instead of in uploads/ on one
// machine: every replica can serve every file, and replacing a pod loses nothing.
// On Kubernetes you would usually use object storage (S3, MinIO) for files; a bytea
// column keeps this app self-contained.

// `client` is the transaction that creates the note: both are stored, or neither.
function save(client, noteId, file) {
  return client.query(
    'INSERT INTO attachments (note_id, filename, content_type, size, data) VALUES ($1, $2, $3, $4, $5)',
    [noteId, file.originalname, file.mimetype, file.size, file.buffer]
  );
}

async function findByNote(noteId) {
  if (!/^\d+$/.test(String(noteId))) return null;
  const { rows } = await db.query(
    'SELECT filename, content_type, data FROM attachments WHERE note_id = $1 ORDER BY id LIMIT 1',
    [noteId]
  );
  return rows[0] || null;
}

// Always as a download, never shown inline: the content comes from a user.
function send(res, attachment) {
  res.attachment(attachment.filename);
  res.type(attachment.content_type);
  res.send(attachment.data);
}

module.exports = { save, findByNote, send };
