// Owns the express-session peer on its default memory store.
import { HOST, PORT } from './common.js';
import { expressSessionApp } from './express-session-app.js';

expressSessionApp().listen(PORT, HOST);
