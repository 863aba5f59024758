import { answerApproval } from '../approval-answer.js';

export default answerApproval('approved');
