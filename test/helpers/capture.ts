/** Tests read the same JSON log lines the local runner does. */
export { LogTap as OutputCapture, JWT_PATTERN } from '../../local/log-tap';
