/* global process, URL */
// Imported by sqs-server.mjs before fauxqs builds its server. fauxqs 2.4.1 answers a long poll
// whose client has gone away as if it were still there: when a message arrives within the wait,
// it takes the message (receive count +1, hidden for the visibility timeout) and writes it to a
// closed socket. The local event source mapping abandons its long poll when the brake disables
// it, and Ctrl-C abandons one too: either would spend a receive of the next message sent. This
// makes a receive whose client has closed its connection take nothing; nothing else changes.
import { AsyncLocalStorage } from 'node:async_hooks';

const load = (path) => import(new URL(path, import.meta.resolve('fauxqs')).href);
const { SqsRouter } = await load('./sqs/sqsRouter.js');
const { SqsQueue } = await load('./sqs/sqsStore.js');
if (typeof SqsRouter?.prototype?.handle !== 'function' || typeof SqsQueue?.prototype?.dequeue !== 'function') {
  process.stdout.write(
    `${JSON.stringify({ error: 'fauxqs-changed', message: 'fauxqs no longer has SqsRouter.handle and SqsQueue.dequeue: check whether it still claims messages for a long poll whose client has gone, then update local/fauxqs-abandoned-polls.mjs' })}\n`,
  );
  process.exit(1);
}

/** The request being handled, for dequeue() to ask whether its client is still there. */
const request = new AsyncLocalStorage();
const handle = SqsRouter.prototype.handle;
SqsRouter.prototype.handle = function (req, reply) {
  return request.run(req.raw, () => handle.call(this, req, reply));
};
const dequeue = SqsQueue.prototype.dequeue;
SqsQueue.prototype.dequeue = function (...args) {
  if (request.getStore()?.socket?.destroyed === true) return [];
  return dequeue.apply(this, args);
};
