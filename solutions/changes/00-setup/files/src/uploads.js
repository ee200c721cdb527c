const path = require('path');
const multer = require('multer');

// Attachments go next to the code. Backups? The box gets snapshotted... I think.
const UPLOAD_DIR = path.join(__dirname, '..', 'uploads');

const upload = multer({ dest: UPLOAD_DIR });

module.exports = { upload, UPLOAD_DIR };
