const multer = require('multer');

// Uploaded files stay in memory only while the request runs; src/attachments.js
// then stores them in Postgres. A container's disk is private to one replica and
// is thrown away with it, so nothing may be written next to the code anymore.
const MAX_BYTES = 10 * 1024 * 1024; // memory is the limit now: refuse anything bigger

const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_BYTES } });

// The optional "attachment" field of a note form. Too big is the client's mistake:
// answer 413 instead of letting the error handler turn it into a 500.
function attachmentUpload(req, res, next) {
  upload.single('attachment')(req, res, (err) => {
    if (err && err.code === 'LIMIT_FILE_SIZE') err.status = 413;
    next(err);
  });
}

module.exports = { attachmentUpload };
