const fs = require('fs');
const path = require('path');

const LOG_DIR = path.join(__dirname, '..', 'logs');
const LOG_FILE = path.join(LOG_DIR, 'app.log');

fs.mkdirSync(LOG_DIR, { recursive: true });

// Writes to logs/app.log (ops tails it / logrotate picks it up) and to the console.
function log(level, msg) {
  const line = new Date().toISOString() + ' [' + level.toUpperCase() + '] ' + msg;
  fs.appendFileSync(LOG_FILE, line + '\n');
  console.log(line);
}

module.exports = log;
