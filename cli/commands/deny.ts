import { notAvailable } from '../not-available.js';

export default notAvailable('deny', 'part 5: the daemon');
