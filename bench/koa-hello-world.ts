/**
 * The API benchmark's yardstick: a bare Koa hello-world in its own process, as the control plane
 * runs in its own. Prints `listening <port>` once it listens on 127.0.0.1.
 */
import Koa from 'koa';

const app = new Koa();
app.use((ctx) => {
  ctx.body = { hello: 'world' };
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
