import { notAvailable } from '../not-available.js';

export default notAvailable('snapshot delete', 'part 3: recovery');
