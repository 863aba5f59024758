import { notAvailable } from '../not-available.js';

export default notAvailable('approvals', 'part 5: the daemon');
