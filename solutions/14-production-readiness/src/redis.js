const { createClient } = require('redis');
const config = require('./config');
const log = require('./log');

// One shared Redis connection for everything that used to live in this process's
// memory (sessions, the notes cache, the admin flags). Redis is shared by every copy
// of the app, so any replica can serve any request and a restart forgets nothing.
// (The email queue has a connection of its own, through BullMQ: src/queue.js.)
const client = createClient({ url: config.redisUrl });

// Without an 'error' listener a dropped connection would crash the process.
// node-redis reconnects on its own, so logging is all there is to do.
client.on('error', (err) => log.error({ err }, 'Redis connection error'));

module.exports = client;
