// The schema: the builder plus one module per aggregate. Free of side effects so scripts can import it.
import { builder } from './builder.js';
import './modules/presence.js';
import './modules/routing.js';
import './modules/company.js';
import './modules/agent.js';
import './modules/phone-number.js';
import './modules/queue.js';
import './modules/live-call.js';
import './modules/voicemail.js';
import './modules/call-history.js';
import './modules/stats.js';
import './modules/call-report.js';
import './modules/auth.js';
import './modules/softphone.js';
import './modules/audit.js';
import './modules/webhooks.js';

export const schema = builder.toSchema({ sortSchema: true });
